-- ARGV: 2 now, 3 owner, 4 lease until. Returns id, bytes, members, attempt, token; nil when nothing is claimable.
local now = tonumber(ARGV[2])
-- expired leases and due retries join READY, ordered by registration like the pending index; a bounded number per
-- call keeps the script short, the rest follow on the next calls
for _, z in ipairs({LEASES, RETRY}) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, 100)) do
    redis.call('ZREM', z, id)
    redis.call('ZADD', READY, redis.call('HGET', skey(id), 'seq'), id)
  end
end
while true do
  local p = redis.call('ZRANGE', STATE.pending, 0, 0, 'WITHSCORES')
  local r = redis.call('ZRANGE', READY, 0, 0, 'WITHSCORES')
  local id
  if p[1] and (not r[1] or tonumber(p[2]) < tonumber(r[2])) then id = p[1] elseif r[1] then id = r[1] else return nil end
  local k = skey(id)
  local f = redis.call('HMGET', k, 'state', 'lease', 'retry')
  local claimable = f[1] == 'pending' or (f[1] == 'claimed' and tonumber(f[2]) <= now)
      or (f[1] == 'failed' and tonumber(f[3]) <= now)
  if claimable then
    local token = redis.call('INCR', TOKEN)
    move(id, k, f[1], 'claimed')
    redis.call('ZADD', LEASES, ARGV[4], id)
    redis.call('HSET', k, 'state', 'claimed', 'owner', ARGV[3], 'lease', ARGV[4], 'token', token, 'updated', ARGV[2])
    redis.call('HDEL', k, 'retry')
    local attempt = redis.call('HINCRBY', k, 'attempts', 1)
    return {id, redis.call('HGET', k, 'bytes'), redis.call('HGET', k, 'members'), attempt, token}
  end
  redis.call('ZREM', READY, id) -- a leftover of a split that moved on (defensive: every transition removes it)
end

-- ARGV: 2 now, 3 owner, 4 lease until. Returns id, bytes, members, attempt, token; nil when nothing is claimable.
redis.replicate_commands() -- TIME below: replicate the effects, not the script (the default from Redis 7 on)
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
    -- the next token is above both the last one and the server's clock in microseconds: if a crash loses the last
    -- writes (appendfsync everysec), tokens handed out just before it are still never handed out again
    local time = redis.call('TIME')
    local token = math.max((tonumber(redis.call('GET', TOKEN)) or 0) + 1, time[1] * 1000000 + time[2])
    redis.call('SET', TOKEN, string.format('%d', token))
    move(id, k, f[1], 'claimed')
    redis.call('ZADD', LEASES, ARGV[4], id)
    redis.call('HSET', k, 'state', 'claimed', 'owner', ARGV[3], 'lease', ARGV[4], 'token', string.format('%d', token),
      'updated', ARGV[2])
    redis.call('HDEL', k, 'retry')
    local attempt = redis.call('HINCRBY', k, 'attempts', 1)
    return {id, redis.call('HGET', k, 'bytes'), redis.call('HGET', k, 'members'), attempt, token}
  end
  redis.call('ZREM', READY, id) -- a leftover of a split that moved on (defensive: every transition removes it)
end

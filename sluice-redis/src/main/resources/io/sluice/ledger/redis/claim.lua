-- ARGV: 2 now, 3 owner, 4 lease until. Returns what grant.lua does; nil when nothing is claimable.
redis.replicate_commands() -- TIME in nextToken: replicate the effects, not the script (the default from Redis 7 on)
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
  if claimable(f, now) then return grant(id, k, f[1], ARGV[2], ARGV[3], ARGV[4]) end
  redis.call('ZREM', READY, id)
  -- not due by this worker's clock, only by the clock of the one that moved it here: back to its index, or no claim
  -- would ever find it again once its holder is gone (otherwise a leftover of a split that moved on)
  if f[1] == 'claimed' then redis.call('ZADD', LEASES, f[2], id)
  elseif f[1] == 'failed' then redis.call('ZADD', RETRY, f[3], id) end
end

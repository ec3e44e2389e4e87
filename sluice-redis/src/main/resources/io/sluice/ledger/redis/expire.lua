-- ARGV: 2 id, 3 token, 4 now. Ends the claim's lease now (an earlier end stays). Returns 1, or 0 when stale.
local k = held(ARGV[2], ARGV[3])
if not k then return 0 end
if tonumber(redis.call('HGET', k, 'lease')) > tonumber(ARGV[4]) then
  redis.call('HSET', k, 'lease', ARGV[4])
  redis.call('ZREM', READY, ARGV[2])
  redis.call('ZADD', LEASES, ARGV[4], ARGV[2])
end
redis.call('HSET', k, 'updated', ARGV[4])
return 1

-- ARGV: 2 id, 3 token, 4 lease until, 5 now. Returns 1 when renewed, 0 when the claim is stale.
local k = held(ARGV[2], ARGV[3])
if not k then return 0 end
redis.call('HSET', k, 'lease', ARGV[4], 'updated', ARGV[5])
redis.call('ZREM', READY, ARGV[2])
redis.call('ZADD', LEASES, ARGV[4], ARGV[2])
return 1

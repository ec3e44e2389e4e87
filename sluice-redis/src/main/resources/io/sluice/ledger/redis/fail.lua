-- ARGV: 2 id, 3 token, 4 now, 5 failed|dead, 6 retry time ('' when dead), 7 error. Returns 1 (also when this
-- claim recorded it already), or 0 when stale.
local k = held(ARGV[2], ARGV[3])
if not k then return recorded(ARGV[2], ARGV[3], ARGV[5]) end
move(ARGV[2], k, 'claimed', ARGV[5])
redis.call('HSET', k, 'state', ARGV[5], 'error', ARGV[7], 'updated', ARGV[4])
redis.call('HDEL', k, 'lease', 'retry')
if ARGV[6] ~= '' then
  redis.call('HSET', k, 'retry', ARGV[6])
  redis.call('ZADD', RETRY, ARGV[6], ARGV[2])
end
return 1

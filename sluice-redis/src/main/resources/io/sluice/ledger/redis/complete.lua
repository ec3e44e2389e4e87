-- ARGV: 2 id, 3 token, 4 now, 5 rows in, 6 rows out, 7 rejected, 8 outputs (JSON), 9 pipeline version. Returns 1
-- (also when this claim recorded it already), or 0 when stale.
local k = held(ARGV[2], ARGV[3])
if not k then return recorded(ARGV[2], ARGV[3], 'done') end
move(ARGV[2], k, 'claimed', 'done')
redis.call('HSET', k, 'state', 'done', 'rin', ARGV[5], 'rout', ARGV[6], 'rej', ARGV[7], 'outputs', ARGV[8],
  'pv', ARGV[9], 'updated', ARGV[4])
redis.call('HDEL', k, 'lease', 'retry', 'error')
tallyAdd(ARGV[9], ARGV[5], ARGV[6], ARGV[7], ARGV[4])
return 1

-- ARGV: 2 id, 3 token, 4 now. Gives the split back without counting the attempt; stale claims are ignored.
local k = held(ARGV[2], ARGV[3])
if not k then return 0 end
move(ARGV[2], k, 'claimed', 'pending')
redis.call('HSET', k, 'state', 'pending', 'updated', ARGV[4])
redis.call('HDEL', k, 'owner', 'lease')
redis.call('HINCRBY', k, 'attempts', -1)
return 1

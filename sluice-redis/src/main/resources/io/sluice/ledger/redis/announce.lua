-- ARGV: 2 now, 3 worker id, 4 its entry (JSON), 5 forget it after. Forgets the workers whose time ran out.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', EXPIRES, '-inf', '(' .. ARGV[2])) do redis.call('HDEL', WORKERS, id) end
redis.call('ZREMRANGEBYSCORE', EXPIRES, '-inf', '(' .. ARGV[2])
redis.call('HSET', WORKERS, ARGV[3], ARGV[4])
redis.call('ZADD', EXPIRES, ARGV[5], ARGV[3])
return 1

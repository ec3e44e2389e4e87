-- ARGV: 2 worker id. Forgets the worker, and frees the leader lease at once if it holds it.
redis.call('HDEL', WORKERS, ARGV[2])
redis.call('ZREM', EXPIRES, ARGV[2])
if redis.call('HGET', LEADER, 'holder') == ARGV[2] then redis.call('DEL', LEADER) end
return 1

-- ARGV: 2 name, 3 token. Releases the lock if the grant with this token still holds it. Returns 1 when released.
local current = redis.call('HGET', LOCKS, ARGV[2])
if current and parseLock(current) == ARGV[3] then
  redis.call('HDEL', LOCKS, ARGV[2])
  return 1
end
return 0

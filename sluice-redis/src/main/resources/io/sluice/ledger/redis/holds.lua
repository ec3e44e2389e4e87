-- ARGV: 2 name, 3 token, 4 now. Returns 1 while the grant with this token holds the lock and its lease runs, else 0.
local current = redis.call('HGET', LOCKS, ARGV[2])
if not current then return 0 end
local token, leaseEnd = parseLock(current)
if token == ARGV[3] and tonumber(leaseEnd) > tonumber(ARGV[4]) then return 1 end
return 0

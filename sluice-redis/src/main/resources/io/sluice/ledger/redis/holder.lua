-- ARGV: 2 name, 3 now. Returns 'token owner' of the grant holding the lock while its lease runs, else nil.
local current = redis.call('HGET', LOCKS, ARGV[2])
if not current then return nil end
local token, leaseEnd, owner = parseLock(current)
if tonumber(leaseEnd) > tonumber(ARGV[3]) then return token .. ' ' .. owner end
return nil

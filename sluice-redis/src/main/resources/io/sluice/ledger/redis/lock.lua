-- ARGV: 2 name, 3 owner, 4 lease until, 5 now. Takes the lock for a new holder (a new token) when nobody holds it or
-- its lease ran out, or renews it for the owner holding it. Returns its token, or nil while another owner's lease runs.
redis.replicate_commands() -- TIME in nextToken: replicate the effects, not the script (the default from Redis 7 on)
local token
local current = redis.call('HGET', LOCKS, ARGV[2])
if current then
  local t, leaseEnd, owner = parseLock(current)
  if owner == ARGV[3] then token = t elseif tonumber(leaseEnd) > tonumber(ARGV[5]) then return nil end
end
token = token or string.format('%d', nextToken())
redis.call('HSET', LOCKS, ARGV[2], token .. ' ' .. ARGV[4] .. ' ' .. ARGV[3])
return token

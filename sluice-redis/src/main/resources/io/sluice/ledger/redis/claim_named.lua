-- ARGV: 2 now, 3 owner, 4 lease until, 5 split id. Returns what grant.lua does; nil when that split is not claimable
-- now (or unknown).
redis.replicate_commands() -- TIME in nextToken: replicate the effects, not the script (the default from Redis 7 on)
local id = ARGV[5]
local k = skey(id)
local f = redis.call('HMGET', k, 'state', 'lease', 'retry')
if claimable(f, tonumber(ARGV[2])) then return grant(id, k, f[1], ARGV[2], ARGV[3], ARGV[4]) end
return nil

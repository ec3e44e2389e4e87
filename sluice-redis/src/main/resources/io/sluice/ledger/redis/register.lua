-- ARGV: 2 now, 3.. the splits (registration.lua). Returns the ids registered.
local accepted, reused = decide(parse(3), nil)
if not accepted then return redis.error_reply('SLUICE_ID_REUSED ' .. reused) end
return admit(accepted, ARGV[2])

-- ARGV: 2 now, 3.. the splits (registration.lua). Returns 1 and the ids registered, or 2 and the id of an accepted
-- split that is registered with other members (nothing registered).
local accepted, reused = decide(parse(3), nil)
if not accepted then return {2, reused} end
local out = admit(accepted, ARGV[2])
table.insert(out, 1, 1)
return out

-- Output locks, for lock.lua, holds.lua and unlock.lua: the hash LOCKS holds each lock taken, as
-- name -> 'token leaseEnd owner'. Unlock and reset delete them; tokens come from nextToken, so never go back.

-- the token, lease end and owner (strings) of a lock's value
local function parseLock(v)
  return string.match(v, '^(%d+) (%d+) (.*)$')
end

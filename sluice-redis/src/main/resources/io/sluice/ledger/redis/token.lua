-- The next fencing token, for grant.lua and lock.lua (their scripts call redis.replicate_commands() first: TIME).

-- above both the last one and the server's clock in microseconds: if a crash loses the last writes (appendfsync
-- everysec), tokens handed out just before it are still never handed out again
local function nextToken()
  local time = redis.call('TIME')
  local token = math.max((tonumber(redis.call('GET', TOKEN)) or 0) + 1, time[1] * 1000000 + time[2])
  redis.call('SET', TOKEN, string.format('%d', token))
  return token
end

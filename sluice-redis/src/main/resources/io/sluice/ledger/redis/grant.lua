-- Granting a split, for claim.lua and claim_named.lua (which call redis.replicate_commands() first: TIME below).

-- whether a split in state f[1] with lease f[2] and retry time f[3] may be claimed now
local function claimable(f, now)
  return f[1] == 'pending' or (f[1] == 'claimed' and tonumber(f[2]) <= now) or (f[1] == 'failed' and tonumber(f[3]) <= now)
end

-- Grants split id (hash k, in state from) to owner, its lease ending at leaseEnd. Returns id, bytes, members, attempt, token.
local function grant(id, k, from, now, owner, leaseEnd)
  -- the next token is above both the last one and the server's clock in microseconds: if a crash loses the last
  -- writes (appendfsync everysec), tokens handed out just before it are still never handed out again
  local time = redis.call('TIME')
  local token = math.max((tonumber(redis.call('GET', TOKEN)) or 0) + 1, time[1] * 1000000 + time[2])
  redis.call('SET', TOKEN, string.format('%d', token))
  move(id, k, from, 'claimed')
  redis.call('ZADD', LEASES, leaseEnd, id)
  redis.call('HSET', k, 'state', 'claimed', 'owner', owner, 'lease', leaseEnd, 'token', string.format('%d', token),
    'updated', now)
  redis.call('HDEL', k, 'retry')
  local attempt = redis.call('HINCRBY', k, 'attempts', 1)
  return {id, redis.call('HGET', k, 'bytes'), redis.call('HGET', k, 'members'), attempt, token}
end

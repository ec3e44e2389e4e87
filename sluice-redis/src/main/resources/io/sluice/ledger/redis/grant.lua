-- Granting a split, for claim.lua and claim_named.lua (after token.lua).

-- whether a split in state f[1] with lease f[2] and retry time f[3] may be claimed now
local function claimable(f, now)
  return f[1] == 'pending' or (f[1] == 'claimed' and tonumber(f[2]) <= now) or (f[1] == 'failed' and tonumber(f[3]) <= now)
end

-- Grants split id (hash k, in state from) to owner, its lease ending at leaseEnd. Returns id, bytes, members, attempt,
-- token, payload, output key (split.lua; false where none).
local function grant(id, k, from, now, owner, leaseEnd)
  local token = nextToken()
  move(id, k, from, 'claimed')
  redis.call('ZADD', LEASES, leaseEnd, id)
  redis.call('HSET', k, 'state', 'claimed', 'owner', owner, 'lease', leaseEnd, 'token', string.format('%d', token),
    'updated', now)
  redis.call('HDEL', k, 'retry')
  local attempt = redis.call('HINCRBY', k, 'attempts', 1)
  local f = redis.call('HMGET', k, 'bytes', 'members', 'payload', 'okey')
  return {id, f[1], f[2], attempt, token, f[3], f[4]}
end

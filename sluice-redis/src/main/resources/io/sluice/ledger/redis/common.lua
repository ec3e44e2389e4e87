-- Prepended to every ledger script. KEYS are the pipeline's keys (RedisKeys.java, same order); ARGV[1] is the
-- prefix of the per-split hashes. A split lives in the hash <prefix><generation>:<id>; reset starts a generation.
local GEN, TOKEN, SEQ = KEYS[1], KEYS[2], KEYS[3]
local STATE = {pending = KEYS[4], claimed = KEYS[5], done = KEYS[6], failed = KEYS[7], dead = KEYS[8]}
local LEASES, RETRY, READY = KEYS[9], KEYS[10], KEYS[11]
local IDENT, LATEST, DIGESTS, TRASHES = KEYS[12], KEYS[13], KEYS[14], KEYS[15]
-- worker pools: entries by worker id (JSON), their expiry times, the leader lease (holder, until); reset keeps them
local WORKERS, EXPIRES, LEADER = KEYS[16], KEYS[17], KEYS[18]
-- the id of this record of the pipeline (incarnation.lua), what the done splits add up to (tally.lua), the output
-- locks (lock.lua)
local INCARNATION, TALLY, LOCKS = KEYS[19], KEYS[20], KEYS[21]
local gen = redis.call('GET', GEN) or '0'

local function skey(id)
  return ARGV[1] .. gen .. ':' .. id
end

-- the hash of a split whose current token this is, while it is claimed; nil when the claim is stale
local function held(id, token)
  local k = skey(id)
  local f = redis.call('HMGET', k, 'state', 'token')
  if f[1] == 'claimed' and tonumber(f[2]) == tonumber(token) then return k end
  return nil
end

-- 1 when the split is already in state under this token: the same call sent again after its answer was lost (a
-- timeout while Redis ran it), which finds its own record; 0 otherwise (a stale claim)
local function recorded(id, token, state)
  local f = redis.call('HMGET', skey(id), 'state', 'token')
  if f[1] == state and tonumber(f[2]) == tonumber(token) then return 1 end
  return 0
end

-- moves a split from one state's index to another's (indexes are ordered by registration)
local function move(id, k, from, to)
  local seq = redis.call('HGET', k, 'seq')
  redis.call('ZREM', STATE[from], id)
  redis.call('ZADD', STATE[to], seq, id)
  redis.call('ZREM', LEASES, id)
  redis.call('ZREM', RETRY, id)
  redis.call('ZREM', READY, id)
end

-- sends a done split back to pending with its results dropped (requeue.lua, replay.lua; their tally is theirs to mend)
local function sendBackDone(id, k, now)
  move(id, k, 'done', 'pending')
  redis.call('HSET', k, 'state', 'pending', 'attempts', 0, 'updated', now)
  redis.call('HDEL', k, 'owner', 'rin', 'rout', 'rej', 'outputs', 'pv')
end

-- Registration, for register.lua and replace.lua. A split is given as: id, bytes, members (JSON, stored as is),
-- payload ('' for none, else '=' and the payload), output key (JSON, stored as is; '' for none), n, and n times key,
-- fingerprint, start, digest ('' for none), follows ('' for no condition, else '=' and the fingerprint of the key's
-- registration the planner saw last, '=' alone for none).

-- the splits given from ARGV[i] on
local function parse(i)
  local splits = {}
  while i <= #ARGV do
    local s = {id = ARGV[i], bytes = ARGV[i + 1], json = ARGV[i + 2], payload = ARGV[i + 3], okey = ARGV[i + 4], m = {}}
    local n = tonumber(ARGV[i + 5])
    i = i + 6
    for j = 1, n do
      s.m[j] = {key = ARGV[i], ident = ARGV[i] .. '\0' .. ARGV[i + 1] .. '\0' .. ARGV[i + 2], fp = ARGV[i + 1],
        digest = ARGV[i + 3], follows = ARGV[i + 4]}
      i = i + 5
    end
    splits[#splits + 1] = s
  end
  return splits
end

-- The splits Ledger.register's rule accepts; nil and an id when an accepted split's id is registered with other
-- members. Decides the whole batch before anything is written: a script that fails half-way keeps its writes.
-- freed: the split being replaced (its inputs and its id count as free), or nil.
local function decide(splits, freed)
  local taken, owners, ids, accepted, latest = {}, {}, {}, {}, {}
  local function owner(digest) -- false when nobody owns it
    if owners[digest] == nil then owners[digest] = redis.call('HGET', DIGESTS, digest) end
    return owners[digest]
  end
  -- the fingerprint of the key's latest registration ('' for none), counting the splits accepted before
  local function latestFp(key)
    if latest[key] == nil then
      local v = redis.call('HGET', LATEST, key)
      latest[key] = v and string.sub(v, 1, string.find(v, '\0', 1, true) - 1) or ''
    end
    return latest[key]
  end
  -- a member that follows a registration of its key that is no longer the latest (nor another range of its version)
  local function overtaken(m)
    if m.follows == '' then return false end
    local now = latestFp(m.key)
    return now ~= string.sub(m.follows, 2) and now ~= m.fp
  end
  local function registered(ident)
    return taken[ident] or (not (freed and freed.idents[ident]) and redis.call('SISMEMBER', IDENT, ident) == 1)
  end
  for _, s in ipairs(splits) do
    local ok = true
    for _, m in ipairs(s.m) do
      if registered(m.ident) or overtaken(m) then ok = false break end
      if m.digest ~= '' then
        local o = owner(m.digest)
        if o and o ~= m.key then ok = false break end
      end
    end
    if ok then
      if ids[s.id] or (not (freed and freed.id == s.id) and redis.call('EXISTS', skey(s.id)) == 1) then
        return nil, s.id
      end
      ids[s.id] = true
      accepted[#accepted + 1] = s
      for _, m in ipairs(s.m) do
        taken[m.ident] = true
        latest[m.key] = m.fp
        if m.digest ~= '' and not owner(m.digest) then owners[m.digest] = m.key end
      end
    end
  end
  return accepted
end

-- The split id in a LATEST value (fingerprint \0 split id), or false.
local function latestSplit(key)
  local v = redis.call('HGET', LATEST, key)
  return v and string.sub(v, string.find(v, '\0', 1, true) + 1)
end

-- Writes the accepted splits. Each registration of an input links to the one it supersedes (field p:<key>), so a
-- replace can put the earlier one back; 'linked' marks the splits that have these links.
local function admit(accepted, now)
  local out = {}
  for _, s in ipairs(accepted) do
    local seq = redis.call('INCR', SEQ)
    local k = skey(s.id)
    redis.call('HSET', k, 'seq', seq, 'state', 'pending', 'token', 0, 'attempts', 0, 'bytes', s.bytes,
      'members', s.json, 'n', #s.m, 'updated', now, 'linked', 1)
    if s.payload ~= '' then redis.call('HSET', k, 'payload', string.sub(s.payload, 2)) end
    if s.okey ~= '' then redis.call('HSET', k, 'okey', s.okey) end
    redis.call('ZADD', STATE.pending, seq, s.id)
    for _, m in ipairs(s.m) do
      redis.call('SADD', IDENT, m.ident)
      local before = latestSplit(m.key)
      if before and before ~= s.id then redis.call('HSETNX', k, 'p:' .. m.key, before) end
      redis.call('HSET', LATEST, m.key, m.fp .. '\0' .. s.id)
      if m.digest ~= '' then redis.call('HSETNX', DIGESTS, m.digest, m.key) end
    end
    out[#out + 1] = s.id
  end
  return out
end

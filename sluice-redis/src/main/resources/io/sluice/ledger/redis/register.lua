-- ARGV: 2 now, then per split: id, bytes, members (JSON, stored as is), n, and n times key, fingerprint, start,
-- digest ('' for none). Decides the whole batch before writing anything: a script that fails half-way keeps its
-- writes.
local now = ARGV[2]
local splits, i = {}, 3
while i <= #ARGV do
  local s = {id = ARGV[i], bytes = ARGV[i + 1], json = ARGV[i + 2], m = {}}
  local n = tonumber(ARGV[i + 3])
  i = i + 4
  for j = 1, n do
    s.m[j] = {key = ARGV[i], ident = ARGV[i] .. '\0' .. ARGV[i + 1] .. '\0' .. ARGV[i + 2], fp = ARGV[i + 1],
      digest = ARGV[i + 3]}
    i = i + 4
  end
  splits[#splits + 1] = s
end

local taken, owners, ids, accepted = {}, {}, {}, {}
local function owner(digest) -- false when nobody owns it
  if owners[digest] == nil then owners[digest] = redis.call('HGET', DIGESTS, digest) end
  return owners[digest]
end
for _, s in ipairs(splits) do
  local ok = true
  for _, m in ipairs(s.m) do
    if taken[m.ident] or redis.call('SISMEMBER', IDENT, m.ident) == 1 then ok = false break end
    if m.digest ~= '' then
      local o = owner(m.digest)
      if o and o ~= m.key then ok = false break end
    end
  end
  if ok then
    if ids[s.id] or redis.call('EXISTS', skey(s.id)) == 1 then
      return redis.error_reply('SLUICE_ID_REUSED ' .. s.id)
    end
    ids[s.id] = true
    accepted[#accepted + 1] = s
    for _, m in ipairs(s.m) do
      taken[m.ident] = true
      if m.digest ~= '' and not owner(m.digest) then owners[m.digest] = m.key end
    end
  end
end

local out = {}
for _, s in ipairs(accepted) do
  local seq = redis.call('INCR', SEQ)
  redis.call('HSET', skey(s.id), 'seq', seq, 'state', 'pending', 'token', 0, 'attempts', 0, 'bytes', s.bytes,
    'members', s.json, 'n', #s.m, 'updated', now)
  redis.call('ZADD', STATE.pending, seq, s.id)
  for _, m in ipairs(s.m) do
    redis.call('SADD', IDENT, m.ident)
    redis.call('HSET', LATEST, m.key, m.fp .. '\0' .. s.id)
    if m.digest ~= '' and owners[m.digest] == m.key then redis.call('HSETNX', DIGESTS, m.digest, m.key) end
  end
  out[#out + 1] = s.id
end
return out

-- ARGV: 2 id, 3 token, 4 now, 5.. the replacements (registration.lua). Forgets the claimed split and registers the
-- replacements, its inputs and id counting as free. Returns 1 and the ids registered, 0 when the claim is stale, or 2
-- and the id of a replacement that is registered with other members (nothing changed).
local id, now = ARGV[2], ARGV[4]
local k = held(id, ARGV[3])
if not k then return {0} end
local old = cjson.decode(redis.call('HGET', k, 'members'))
local freed = {id = id, idents = {}}
for _, m in ipairs(old) do freed.idents[m[1] .. '\0' .. m[2] .. '\0' .. string.format('%d', m[3])] = true end
local accepted, reused = decide(parse(5), freed)
if not accepted then return {2, reused} end

-- the member of key the split holds last (its registration of key), or nil
local function memberOf(split, key)
  local found
  for _, m in ipairs(cjson.decode(redis.call('HGET', skey(split), 'members'))) do
    if m[1] == key then found = m end
  end
  return found
end
local seq, linked = tonumber(redis.call('HGET', k, 'seq')), redis.call('HGET', k, 'linked')
-- the registration of key before this split: its link, or, for a split registered before links existed, the split
-- registered last before it that holds key, found by reading every split (slow, and only for such old splits)
local function before(key)
  local link = redis.call('HGET', k, 'p:' .. key)
  if link or linked then return link end
  local best, bestSeq = false, -1
  for _, z in pairs(STATE) do
    local r = redis.call('ZREVRANGEBYSCORE', z, '(' .. seq, '-inf', 'WITHSCORES')
    for i = 1, #r, 2 do
      if tonumber(r[i + 1]) <= bestSeq then break end
      if memberOf(r[i], key) then best, bestSeq = r[i], tonumber(r[i + 1]) break end
    end
  end
  return best
end
-- takes the split out of key's chain: the key's latest registration, or the link of the one after it, then names
-- the registration before it (or none)
local function unlink(key)
  local at = latestSplit(key)
  if at == id then
    local b = before(key)
    local m = b and memberOf(b, key)
    if m then redis.call('HSET', LATEST, key, m[2] .. '\0' .. b) else redis.call('HDEL', LATEST, key) end
    return
  end
  while at do
    local link = redis.call('HGET', skey(at), 'p:' .. key)
    if link == id then
      local b = before(key)
      if b then redis.call('HSET', skey(at), 'p:' .. key, b) else redis.call('HDEL', skey(at), 'p:' .. key) end
      return
    end
    at = link
  end
end

-- forget the split (its digests stay with the keys that own them), then register the replacements
redis.call('ZREM', STATE.claimed, id)
redis.call('ZREM', LEASES, id)
redis.call('ZREM', READY, id)
for ident in pairs(freed.idents) do redis.call('SREM', IDENT, ident) end
local keys = {}
for _, m in ipairs(old) do keys[m[1]] = true end
for key in pairs(keys) do unlink(key) end
redis.call('DEL', k)
local out = admit(accepted, now)
table.insert(out, 1, 1)
return out

-- ARGV: 2.. member keys. Returns key, fingerprint, split id, state, start, end for each key registered in a done
-- split: from its latest registration back along the links to the one before (p:<key>, registration.lua) to the
-- first whose split is done. A registration made before links existed ends the walk: the key is then left out, as
-- it is past 16 registrations that are not done (the DynamoDB ledger's bound): Redis serves no one else meanwhile.
-- A done split's members are decoded once, however many of the keys it holds (a pack of a thousand files, all asked
-- at once, would otherwise be decoded a thousand times while Redis serves no one else).
local out, members = {}, {}
local function member(id, key)
  local index = members[id]
  if not index then
    index = {}
    -- a key registered in several ranges of one split: the last one counts
    for _, m in ipairs(cjson.decode(redis.call('HGET', skey(id), 'members'))) do index[m[1]] = m end
    members[id] = index
  end
  return index[key]
end
for i = 2, #ARGV do
  local key = ARGV[i]
  local v = redis.call('HGET', LATEST, key)
  local id = v and string.sub(v, string.find(v, '\0', 1, true) + 1)
  local steps = 0
  while id and steps < 16 do
    steps = steps + 1
    local state = redis.call('HGET', skey(id), 'state')
    if not state then break end -- forgotten
    if state == 'done' then
      local found = member(id, key)
      if found then
        out[#out + 1] = key
        out[#out + 1] = found[2]
        out[#out + 1] = id
        out[#out + 1] = 'done'
        out[#out + 1] = found[3]
        out[#out + 1] = found[4]
      end
      break
    end
    id = redis.call('HGET', skey(id), 'p:' .. key)
  end
end
return out

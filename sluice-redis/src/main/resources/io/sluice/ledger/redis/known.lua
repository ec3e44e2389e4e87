-- ARGV: 2.. member keys. Returns key, fingerprint, split id, state, start, end for each registered key: the member
-- registered last under that key, with its byte range (read from its split's members, indexed once per split).
local out, ranges = {}, {}
local function range(id, key)
  local index = ranges[id]
  if not index then
    index = {}
    for _, m in ipairs(cjson.decode(redis.call('HGET', skey(id), 'members'))) do index[m[1]] = {m[3], m[4]} end
    ranges[id] = index
  end
  return index[key]
end
for i = 2, #ARGV do
  local v = redis.call('HGET', LATEST, ARGV[i])
  if v then
    local sep = string.find(v, '\0', 1, true)
    local id = string.sub(v, sep + 1)
    local r = range(id, ARGV[i])
    out[#out + 1] = ARGV[i]
    out[#out + 1] = string.sub(v, 1, sep - 1)
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', skey(id), 'state')
    out[#out + 1] = r[1]
    out[#out + 1] = r[2]
  end
end
return out

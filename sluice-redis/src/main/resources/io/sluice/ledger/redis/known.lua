-- ARGV: 2.. member keys. Returns key, fingerprint, split id, state for each registered key.
local out = {}
for i = 2, #ARGV do
  local v = redis.call('HGET', LATEST, ARGV[i])
  if v then
    local sep = string.find(v, '\0', 1, true)
    local id = string.sub(v, sep + 1)
    out[#out + 1] = ARGV[i]
    out[#out + 1] = string.sub(v, 1, sep - 1)
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', skey(id), 'state')
  end
end
return out

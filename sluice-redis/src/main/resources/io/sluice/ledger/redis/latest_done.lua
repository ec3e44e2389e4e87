-- ARGV: 2.. member keys. Returns key, fingerprint, split id, state, start, end for each key registered in a done
-- split: from its latest registration back along the links to the one before (p:<key>, registration.lua) to the
-- first whose split is done. A registration made before links existed ends the walk: the key is then left out.
local out = {}
for i = 2, #ARGV do
  local key = ARGV[i]
  local v = redis.call('HGET', LATEST, key)
  local id = v and string.sub(v, string.find(v, '\0', 1, true) + 1)
  while id do
    local f = redis.call('HMGET', skey(id), 'state', 'members')
    if not f[1] then break end -- forgotten
    if f[1] == 'done' then
      local found
      for _, m in ipairs(cjson.decode(f[2])) do
        if m[1] == key then found = m end
      end
      out[#out + 1] = key
      out[#out + 1] = found[2]
      out[#out + 1] = id
      out[#out + 1] = 'done'
      out[#out + 1] = found[3]
      out[#out + 1] = found[4]
      break
    end
    id = redis.call('HGET', skey(id), 'p:' .. key)
  end
end
return out

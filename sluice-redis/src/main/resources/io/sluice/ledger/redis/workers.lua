-- ARGV: 2 now. Returns, in one flat list: the leader ('' when none holds a live lease), the number n of entry
-- fields, n fields (worker id, JSON entry, ...), then the live claims as owner, split id pairs, oldest first.
local now = tonumber(ARGV[2])
local l = redis.call('HMGET', LEADER, 'holder', 'until')
local out = {''}
if l[1] and tonumber(l[2]) > now then out[1] = l[1] end
local entries = redis.call('HGETALL', WORKERS)
out[2] = #entries
for _, v in ipairs(entries) do out[#out + 1] = v end
for _, id in ipairs(redis.call('ZRANGE', STATE.claimed, 0, -1)) do
  local f = redis.call('HMGET', skey(id), 'owner', 'lease')
  if f[1] and tonumber(f[2]) > now then
    out[#out + 1] = f[1]
    out[#out + 1] = id
  end
end
return out

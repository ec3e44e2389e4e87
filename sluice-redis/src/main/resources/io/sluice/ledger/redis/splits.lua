-- ARGV: 2 limit, 3.. states. Returns, oldest first, 15 fields per split (info.lua).
local limit = tonumber(ARGV[2])
local found = {}
for i = 3, #ARGV do
  local z = redis.call('ZRANGE', STATE[ARGV[i]], 0, limit - 1, 'WITHSCORES')
  for j = 1, #z, 2 do found[#found + 1] = {tonumber(z[j + 1]), z[j]} end
end
table.sort(found, function(a, b) return a[1] < b[1] end)
local out = {}
for i = 1, math.min(limit, #found) do info(out, found[i][2]) end
return out

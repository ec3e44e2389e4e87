-- ARGV: 2 limit, 3.. states. Returns, oldest first, 15 fields per split (SplitInfo's order, nil where absent).
local limit = tonumber(ARGV[2])
local found = {}
for i = 3, #ARGV do
  local z = redis.call('ZRANGE', STATE[ARGV[i]], 0, limit - 1, 'WITHSCORES')
  for j = 1, #z, 2 do found[#found + 1] = {tonumber(z[j + 1]), z[j]} end
end
table.sort(found, function(a, b) return a[1] < b[1] end)
local out = {}
for i = 1, math.min(limit, #found) do
  local id = found[i][2]
  local f = redis.call('HMGET', skey(id), 'state', 'attempts', 'error', 'owner', 'token', 'lease', 'retry', 'bytes',
    'n', 'rin', 'rout', 'rej', 'pv', 'updated')
  -- the pipeline version of a done split; '' for one done before versions were recorded
  if f[1] == 'done' then f[13] = f[13] or '' else f[13] = false end
  out[#out + 1] = id
  for j = 1, 14 do out[#out + 1] = f[j] end
end
return out

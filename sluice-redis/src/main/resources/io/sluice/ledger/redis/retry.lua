-- ARGV: 2 now, 3.. split ids (none: every failed and dead split). Returns how many went back to pending.
local ids = {}
if #ARGV == 2 then
  for _, state in ipairs({'failed', 'dead'}) do
    for _, id in ipairs(redis.call('ZRANGE', STATE[state], 0, -1)) do ids[#ids + 1] = id end
  end
else
  for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
end
local n = 0
for _, id in ipairs(ids) do
  local k = skey(id)
  local state = redis.call('HGET', k, 'state')
  if state == 'failed' or state == 'dead' then
    move(id, k, state, 'pending')
    redis.call('HSET', k, 'state', 'pending', 'attempts', 0, 'updated', ARGV[2])
    redis.call('HDEL', k, 'owner', 'retry')
    n = n + 1
  end
end
return n

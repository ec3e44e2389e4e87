-- ARGV: 2 now, 3 the current pipeline version. Sends the done splits of every other version back to pending, their
-- results dropped. Returns how many.
local current = ARGV[3]
local t = tally()
local others = {}
for i = 1, #t, 2 do
  local version = string.match(t[i], '^(.*)%z[a-z]+$')
  if version ~= current then others[#others + 1] = t[i] end
end
if #others == 0 then return 0 end
local n = 0
for _, id in ipairs(redis.call('ZRANGE', STATE.done, 0, -1)) do
  local k = skey(id)
  if (redis.call('HGET', k, 'pv') or '') ~= current then
    sendBackDone(id, k, ARGV[2])
    n = n + 1
  end
end
redis.call('HDEL', TALLY, unpack(others))
return n

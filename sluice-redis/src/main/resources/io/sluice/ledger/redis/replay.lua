-- ARGV: 2 now, 3.. split ids. Sends those of them that are done back to pending, their results dropped, and drops
-- the tally: tally() counts it again from the done splits. Returns how many went back.
local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local k = skey(id)
  if redis.call('HGET', k, 'state') == 'done' then
    sendBackDone(id, k, ARGV[2])
    n = n + 1
  end
end
if n > 0 then redis.call('DEL', TALLY) end
return n

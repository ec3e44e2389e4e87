-- ARGV: 2 now, 3 worker id, 4 lease until. Returns 1 when the worker leads until then, 0 while another one leads.
local l = redis.call('HMGET', LEADER, 'holder', 'until')
if l[1] and l[1] ~= ARGV[3] and tonumber(l[2]) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', LEADER, 'holder', ARGV[3], 'until', ARGV[4])
return 1

-- ARGV: 2.. split ids. Returns, for each, its bytes, members (JSON), payload and output key (JSON): false where none,
-- and all four false when there is no such split.
local out = {}
for i = 2, #ARGV do
  local f = redis.call('HMGET', skey(ARGV[i]), 'bytes', 'members', 'payload', 'okey')
  for j = 1, 4 do out[#out + 1] = f[j] end
end
return out

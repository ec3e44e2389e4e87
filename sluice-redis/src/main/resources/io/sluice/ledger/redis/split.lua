-- ARGV: 2 split id. Returns its bytes, members (JSON), payload and output key (JSON) (false where none); nil when
-- there is no such split.
local f = redis.call('HMGET', skey(ARGV[2]), 'bytes', 'members', 'payload', 'okey')
if not f[1] then return nil end
return f

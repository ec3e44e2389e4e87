-- Returns the id of the split registered last: the greatest seq of every state's index (each ordered by registration,
-- so one look-up each); nil when there is none.
local newest, newestSeq = nil, nil
for _, index in pairs(STATE) do
  local z = redis.call('ZREVRANGE', index, 0, 0, 'WITHSCORES')
  if z[1] and (newestSeq == nil or tonumber(z[2]) > newestSeq) then newest, newestSeq = z[1], tonumber(z[2]) end
end
return newest

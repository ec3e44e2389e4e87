-- appends a split's 15 fields (SplitInfo's order, nil where absent) to out; nothing for a split the ledger lacks
local function info(out, id)
  local f = redis.call('HMGET', skey(id), 'state', 'attempts', 'error', 'owner', 'token', 'lease', 'retry', 'bytes',
    'n', 'rin', 'rout', 'rej', 'pv', 'updated')
  if not f[1] then return end
  -- the pipeline version of a done split; '' for one done before versions were recorded
  if f[1] == 'done' then f[13] = f[13] or '' else f[13] = false end
  out[#out + 1] = id
  for j = 1, 14 do out[#out + 1] = f[j] end
end

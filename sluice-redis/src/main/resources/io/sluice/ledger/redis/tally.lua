-- What the done splits add up to, per pipeline version, in the hash TALLY: fields <version>\0n (how many), \0in,
-- \0out, \0rej (rows) and \0last (when the last one was done). complete.lua adds to it; requeue.lua drops whole
-- versions, replay.lua and reset.lua all. A split leaves 'done' in no other way.

local function tallyAdd(version, rin, rout, rej, updated)
  redis.call('HINCRBY', TALLY, version .. '\0n', 1)
  redis.call('HINCRBY', TALLY, version .. '\0in', rin)
  redis.call('HINCRBY', TALLY, version .. '\0out', rout)
  redis.call('HINCRBY', TALLY, version .. '\0rej', rej)
  local last = redis.call('HGET', TALLY, version .. '\0last')
  if not last or tonumber(last) < tonumber(updated) then redis.call('HSET', TALLY, version .. '\0last', updated) end
end

-- The tally as field, value pairs. Counted again from the done splits when it does not count them all: splits done
-- before tallies existed, or by a worker of an older Sluice.
local function tally()
  local t = redis.call('HGETALL', TALLY)
  local n = 0
  for i = 1, #t, 2 do
    if string.match(t[i], '%zn$') then n = n + tonumber(t[i + 1]) end
  end
  if n == redis.call('ZCARD', STATE.done) then return t end
  redis.call('DEL', TALLY)
  for _, id in ipairs(redis.call('ZRANGE', STATE.done, 0, -1)) do
    local f = redis.call('HMGET', skey(id), 'pv', 'rin', 'rout', 'rej', 'updated')
    tallyAdd(f[1] or '', f[2] or 0, f[3] or 0, f[4] or 0, f[5])
  end
  return redis.call('HGETALL', TALLY)
end

-- Starts a new generation: the pipeline looks empty at once. The old generation's split hashes are listed in
-- trash indexes (the old state indexes, renamed) for trash.lua to delete in small steps. Output locks go. Tokens never
-- restart; the incarnation is made anew at its next use.
local old = gen
redis.call('INCR', GEN)
for state, key in pairs(STATE) do
  if redis.call('EXISTS', key) == 1 then redis.call('RENAME', key, ARGV[1] .. 'trash:' .. old .. ':' .. state) end
end
redis.call('SADD', TRASHES, old)
redis.call('UNLINK', LEASES, RETRY, READY, IDENT, LATEST, DIGESTS, INCARNATION, TALLY, LOCKS)
return old

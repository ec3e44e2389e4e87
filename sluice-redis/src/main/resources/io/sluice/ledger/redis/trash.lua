-- Deletes up to ARGV[2] split hashes of old generations; returns how many are left to delete.
local budget = tonumber(ARGV[2])
local left = 0
for _, g in ipairs(redis.call('SMEMBERS', TRASHES)) do
  local rest = 0
  for _, state in ipairs({'pending', 'claimed', 'done', 'failed', 'dead'}) do
    local z = ARGV[1] .. 'trash:' .. g .. ':' .. state
    if budget > 0 then
      local ids = redis.call('ZRANGE', z, 0, budget - 1)
      for _, id in ipairs(ids) do redis.call('UNLINK', ARGV[1] .. g .. ':' .. id) end
      if #ids > 0 then redis.call('ZREMRANGEBYRANK', z, 0, #ids - 1) end
      budget = budget - #ids
    end
    rest = rest + redis.call('ZCARD', z)
  end
  if rest == 0 then redis.call('SREM', TRASHES, g) end
  left = left + rest
end
return left

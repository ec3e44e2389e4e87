-- ARGV: 2.. split ids. Returns 15 fields per split the ledger knows (info.lua), in the order asked; a look-up.
local out = {}
for i = 2, #ARGV do info(out, ARGV[i]) end
return out

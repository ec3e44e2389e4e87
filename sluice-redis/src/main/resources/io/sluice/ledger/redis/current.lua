-- ARGV: 2 id, 3 token. Returns 1 while the claim holds the split's current token.
if held(ARGV[2], ARGV[3]) then return 1 end
return 0

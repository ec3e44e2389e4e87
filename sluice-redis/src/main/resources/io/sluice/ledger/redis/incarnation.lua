-- ARGV: 2 an id to make the incarnation with, if there is none. Returns the incarnation.
redis.call('SET', INCARNATION, ARGV[2], 'NX')
return redis.call('GET', INCARNATION)

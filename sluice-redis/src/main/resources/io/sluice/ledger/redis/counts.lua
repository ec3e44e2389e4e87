-- Returns the number of splits in each state, in the order pending, claimed, done, failed, dead.
return {redis.call('ZCARD', STATE.pending), redis.call('ZCARD', STATE.claimed), redis.call('ZCARD', STATE.done),
  redis.call('ZCARD', STATE.failed), redis.call('ZCARD', STATE.dead)}

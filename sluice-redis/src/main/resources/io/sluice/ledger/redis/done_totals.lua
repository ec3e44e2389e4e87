-- Returns the tally of the done splits (tally.lua) as field, value pairs.
return tally()

--[[
  Extend a lock only if we still hold it.

  Input:
    KEYS[1] lock

    ARGV[1] our token
    ARGV[2] ttl ms

  Output:
    1 extended, 0 not ours (or gone)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0

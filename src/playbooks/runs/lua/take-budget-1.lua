--[[
  Take one side effect from a playbook's sliding hour, unless the member took one already.

  Input:
    KEYS[1] blast zset (member → ms)

    ARGV[1] now ms
    ARGV[2] member
    ARGV[3] cap per hour
    ARGV[4] an hour in ms (GuardsStore's HOUR)

  Output:
    {ok 1|0, count in the hour}
]]
local HOUR = tonumber(ARGV[4])
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - HOUR)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return {1, redis.call('ZCARD', KEYS[1])} end
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then return {0, n} end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], HOUR)
return {1, n + 1}

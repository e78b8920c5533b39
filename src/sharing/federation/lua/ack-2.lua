--[[
  Advance the acknowledged position (never backwards) and drop the message.

  Input:
    KEYS[1] acked:<peer>
    KEYS[2] msg:<peer>

    ARGV[1] seq acknowledged

  Output:
    the seq
]]
local acked = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[1])
if seq > acked then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
return seq

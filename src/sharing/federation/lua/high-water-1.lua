--[[
  Receiver: raise the high-water mark of (peer, epoch), never lower it.

  Input:
    KEYS[1] hwm:<peer>:<epoch>

    ARGV[1] seq processed
    ARGV[2] ttl ms

  Output:
    the previous high-water mark
]]
local hwm = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > hwm then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return hwm

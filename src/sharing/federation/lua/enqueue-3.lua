--[[
  Append to a peer's outbox: the epoch (created once), the next sequence number, the message.

  Input:
    KEYS[1] epoch:<peer>
    KEYS[2] head:<peer> (last seq)
    KEYS[3] msg:<peer> (hash: seq → body)

    ARGV[1] epoch to create when there is none
    ARGV[2] message body

  Output:
    {epoch, seq}
]]
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], tostring(seq), ARGV[2])
return {epoch, seq}

--[[
  Store one labelled example unless its id is already stored, then trim the jurisdiction's
  examples to the bound (oldest first). The index keeps recording order: a verdict recorded in
  the same millisecond as the newest (or stamped earlier) goes just after it.

  Input:
    KEYS[1] examples (hash: id → example JSON)
    KEYS[2] index (zset: id by time ms)

    ARGV[1] id
    ARGV[2] example JSON
    ARGV[3] time ms
    ARGV[4] most examples kept

  Output:
    1 stored, 0 already stored
]]
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local at = tonumber(ARGV[3])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if top[2] and tonumber(top[2]) >= at then at = tonumber(top[2]) + 0.001 end
redis.call('ZADD', KEYS[2], at, ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
end
return 1

--[[
  Count one event of a sliding-window counter in one round trip: count it in the current bucket
  (Redis clock, so every process agrees on the buckets), read the previous bucket, and claim the
  once-per-window warning when the estimate exceeds a threshold.

  Input:
    KEYS[1] counter base key, hash-tagged (`…:{rate:<keyId>}`): the bucket keys `<base>:<index>`
            and `<base>:warned` are built here and share its slot

    ARGV[1] window ms
    ARGV[2] warn when the estimate exceeds this

  Output:
    {current, previous, elapsed ms in the current window, 1 if this call should warn else 0}
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local w = tonumber(ARGV[1])
local idx = math.floor(now / w)
local curKey = KEYS[1] .. ':' .. string.format('%.0f', idx)
local cur = redis.call('INCR', curKey)
if cur == 1 then redis.call('PEXPIRE', curKey, w * 2) end
local prev = tonumber(redis.call('GET', KEYS[1] .. ':' .. string.format('%.0f', idx - 1)) or '0')
local elapsed = now - idx * w
local warn = 0
if prev * (w - elapsed) / w + cur > tonumber(ARGV[2]) then
  if redis.call('SET', KEYS[1] .. ':warned', '1', 'PX', w, 'NX') then warn = 1 end
end
return {cur, prev, elapsed, warn}

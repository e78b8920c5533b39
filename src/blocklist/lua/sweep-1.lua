--[[
  Record expiries that are due: claim each from the global expiry index (so several processes
  sweeping never record one twice), drop it from the active set and value index, remember the
  latest expiry instant (Last-Modified of feeds) and append an 'expired' change. The change counter
  is not bumped: feeds already left the decision out at its exact expiry instant.

  Input:
    KEYS[1] exp (members "<jurisdiction>\n<id>\n<value>", scored by expiry ms)

    ARGV[1] key prefix (…:bl); act:<j>, val:<j>, meta:<j>, d:<id> and log:<j> are built from it
            here, one jurisdiction per member (not Redis Cluster ready)
    ARGV[2] now ms
    ARGV[3] batch size
    ARGV[4] change log max length

  Output:
    the number of expiries recorded
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for i = 1, #due, 2 do
  local m, score = due[i], due[i + 1]
  redis.call('ZREM', KEYS[1], m)
  local a = string.find(m, '\n', 1, true)
  local b = string.find(m, '\n', a + 1, true)
  local j, id, value = string.sub(m, 1, a - 1), string.sub(m, a + 1, b - 1), string.sub(m, b + 1)
  if redis.call('ZREM', ARGV[1] .. ':act:' .. j, id) == 1 then
    local val = ARGV[1] .. ':val:' .. j
    if redis.call('HGET', val, value) == id then redis.call('HDEL', val, value) end
    local meta = ARGV[1] .. ':meta:' .. j
    if tonumber(score) > tonumber(redis.call('HGET', meta, 'lastExpiry') or '0') then redis.call('HSET', meta, 'lastExpiry', score) end
    local d = redis.call('GET', ARGV[1] .. ':d:' .. id) or ''
    redis.call('XADD', ARGV[1] .. ':log:' .. j, 'MAXLEN', '~', ARGV[4], '*', 'k', 'expired', 'id', id, 'd', d)
    n = n + 1
  end
end
return n

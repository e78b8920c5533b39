--[[
  Create an approval unless the idempotency key names a live one.

  Input:
    KEYS[1] body (request JSON)
    KEYS[2] state (hash)
    KEYS[3] idempotency key
    KEYS[4] pending index
    KEYS[5] all index

    ARGV[1] id
    ARGV[2] body JSON
    ARGV[3] idempotency key ('' none)
    ARGV[4] created ms
    ARGV[5] ttl s
    ARGV[6] quorum
    ARGV[7] deadline ms
    ARGV[8] onTimeout
    ARGV[9] state key prefix; the existing approval's state key is built from it here (not Redis Cluster ready)

  Output:
    {id, 1} created, or {existing id, 0}
]]
if ARGV[3] ~= '' then
  local existing = redis.call('GET', KEYS[3])
  if existing and redis.call('EXISTS', ARGV[9] .. existing) == 1 then return {existing, 0} end
end
local ttl = tonumber(ARGV[5])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
redis.call('HSET', KEYS[2], 'status', 'pending', 'approvals', 0, 'quorum', ARGV[6], 'deadlineMs', ARGV[7], 'onTimeout', ARGV[8], 'notified', 0)
redis.call('EXPIRE', KEYS[2], ttl)
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[1], 'EX', ttl) end
redis.call('ZADD', KEYS[4], tonumber(ARGV[4]), ARGV[1])
redis.call('ZADD', KEYS[5], tonumber(ARGV[4]), ARGV[1])
return {ARGV[1], 1}

--[[
  One vote per key.

  Input:
    KEYS[1] state (hash)
    KEYS[2] votes (list)
    KEYS[3] voters (set of key ids)
    KEYS[4] pending index

    ARGV[1] key id
    ARGV[2] vote JSON
    ARGV[3] approve | reject
    ARGV[4] now ISO
    ARGV[5] approval id

  Output:
    'ok' (counted), 'decided' (counted, and it decided the approval), 'closed',
    'again' (this key voted already), 'missing'
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 'closed' end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 'again' end
redis.call('RPUSH', KEYS[2], ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) redis.call('EXPIRE', KEYS[3], ttl) end
if ARGV[3] == 'reject' then
  redis.call('HSET', KEYS[1], 'status', 'rejected', 'approved', 0, 'decided', ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[5])
  return 'decided'
end
local n = redis.call('HINCRBY', KEYS[1], 'approvals', 1)
if n >= tonumber(redis.call('HGET', KEYS[1], 'quorum')) then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'approved', 1, 'decided', ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[5])
  return 'decided'
end
return 'ok'

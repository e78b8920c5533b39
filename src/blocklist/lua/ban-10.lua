--[[
  Ban, atomically: an idempotency key or an active decision for the same value answers with the
  existing id; a ban checked against an older allowlist version answers 'stale' (the caller checks
  again), one whose random id is already in use 'taken' (the caller draws another); otherwise the
  decision is stored, indexed, counted in the jurisdiction's change counter and appended to its
  change log.

  Input:
    KEYS[1] d:<id>
    KEYS[2] act:<j>
    KEYS[3] val:<j>
    KEYS[4] all:<j>
    KEYS[5] hist:<j>:<value>
    KEYS[6] meta:<j>
    KEYS[7] log:<j>
    KEYS[8] exp
    KEYS[9] idempotency key
    KEYS[10] allowlist version

    ARGV[1] id
    ARGV[2] decision JSON
    ARGV[3] value
    ARGV[4] created ms
    ARGV[5] expires ms
    ARGV[6] record ttl ms
    ARGV[7] history ttl ms
    ARGV[8] change log max length
    ARGV[9] idempotency ttl s
    ARGV[10] has an idempotency key (1/0)
    ARGV[11] now ms
    ARGV[12] exp member
    ARGV[13] allowlist version seen ('*': skip the check)

  Output:
    {'ok' | 'dup' | 'idem', id} or {'stale' | 'taken', ''}
]]
local hasIdem = ARGV[10] == '1'
if hasIdem then
  local prior = redis.call('GET', KEYS[9])
  if prior then return {'idem', prior} end
end
local cur = redis.call('HGET', KEYS[3], ARGV[3])
if cur then
  local s = redis.call('ZSCORE', KEYS[2], cur)
  if s and tonumber(s) > tonumber(ARGV[11]) then
    if hasIdem then redis.call('SET', KEYS[9], cur, 'EX', ARGV[9]) end
    return {'dup', cur}
  end
end
if ARGV[13] ~= '*' and (redis.call('GET', KEYS[10]) or '0') ~= ARGV[13] then return {'stale', ''} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'taken', ''} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[5], ARGV[7])
redis.call('ZADD', KEYS[8], ARGV[5], ARGV[12])
local ver = redis.call('HINCRBY', KEYS[6], 'ver', 1)
redis.call('HSET', KEYS[6], 'mtime', ARGV[11])
redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[8], '*', 'k', 'created', 'id', ARGV[1], 'v', ver, 'd', ARGV[2])
if hasIdem then redis.call('SET', KEYS[9], ARGV[1], 'EX', ARGV[9]) end
return {'ok', ARGV[1]}

/**
 * Ban, atomically: an idempotency key or an active decision for the same value answers with the
 * existing id; a ban checked against an older allowlist version answers 'stale' (the caller checks
 * again), one whose random id is already in use 'taken' (the caller draws another); otherwise the decision is stored, indexed, counted in the jurisdiction's change counter
 * and appended to its change log.
 *
 * KEYS: 1 d:<id>, 2 act:<j>, 3 val:<j>, 4 all:<j>, 5 hist:<j>:<value>, 6 meta:<j>, 7 log:<j>, 8 exp, 9 idem key, 10 allowlist version
 * ARGV: 1 id, 2 json, 3 value, 4 created ms, 5 expires ms, 6 record ttl ms, 7 history ttl ms, 8 log max,
 *       9 idempotency ttl s, 10 has idempotency key (1/0), 11 now ms, 12 exp member, 13 allowlist version seen ('*': skip)
 */
export const BAN_LUA = `
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
`;

/**
 * End (unblock) an active decision: 0 when it is not active any more (already ended, or expired —
 * the sweep records expiries). Keeps the record (with its \`ended\`) until its retention runs out.
 *
 * KEYS: 1 d:<id>, 2 act:<j>, 3 val:<j>, 4 end:<j>, 5 meta:<j>, 6 log:<j>, 7 exp
 * ARGV: 1 id, 2 json with ended, 3 value, 4 now ms, 5 log max, 6 exp member, 7 ended entries older than this (ms) are dropped
 */
export const END_LUA = `
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s or tonumber(s) <= tonumber(ARGV[4]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if redis.call('HGET', KEYS[3], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[3]) end
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[7])
redis.call('ZREM', KEYS[7], ARGV[6])
local ver = redis.call('HINCRBY', KEYS[5], 'ver', 1)
redis.call('HSET', KEYS[5], 'mtime', ARGV[4])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[5], '*', 'k', 'ended', 'id', ARGV[1], 'v', ver, 'd', ARGV[2])
return 1
`;

/**
 * Record expiries that are due: claim each from the global expiry index (so several processes
 * sweeping never record one twice), drop it from the active set and value index, remember the
 * latest expiry instant (Last-Modified of feeds) and append an 'expired' change. The change counter
 * is not bumped: feeds already left the decision out at its exact expiry instant.
 *
 * KEYS: 1 exp.  ARGV: 1 key prefix (…:bl), 2 now ms, 3 batch size, 4 log max
 */
export const SWEEP_LUA = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for i = 1, #due, 2 do
  local m, score = due[i], due[i + 1]
  redis.call('ZREM', KEYS[1], m)
  local a = string.find(m, '\\n', 1, true)
  local b = string.find(m, '\\n', a + 1, true)
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
`;

--[[
  End (unblock) an active decision. Keeps the record (with its `ended`) until its retention runs out.

  Input:
    KEYS[1] d:<id>
    KEYS[2] act:<j>
    KEYS[3] val:<j>
    KEYS[4] end:<j>
    KEYS[5] meta:<j>
    KEYS[6] log:<j>
    KEYS[7] exp

    ARGV[1] id
    ARGV[2] decision JSON with ended
    ARGV[3] value
    ARGV[4] now ms
    ARGV[5] change log max length
    ARGV[6] exp member
    ARGV[7] ended entries older than this (ms) are dropped

  Output:
    1, or 0 when it is not active any more (already ended, or expired: the sweep records expiries)
]]
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

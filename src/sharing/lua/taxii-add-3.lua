--[[
  Allocate a TAXII collection's next "date added" in µs: the server clock, strictly increasing per
  collection; and index the STIX object id (get-by-id looks it up instead of scanning).

  Input:
    KEYS[1] taxii:<j> (share ids by date added)
    KEYS[2] taxii:last:<j>
    KEYS[3] taxii:ids:<j> (STIX object id → share id)

    ARGV[1] share id
    ARGV[2] ttl ms
    ARGV[3] STIX object id

  Output:
    the date added (µs), as a string
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if now <= last then now = last + 1 end
redis.call('SET', KEYS[2], string.format('%.0f', now))
redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return string.format('%.0f', now)

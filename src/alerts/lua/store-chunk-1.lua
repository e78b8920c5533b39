--[[
  Store a chunk of alerts atomically, once each (the same id is never stored twice). Also counts
  alerts per jurisdiction per minute of receive time (the stream id's time): hash
  <prefix>:alerts:pm:<jurisdiction>:<day number>, field = minute number since the epoch, kept 2 days.

  Input:
    KEYS[1] the deployment's ingest totals hash (field `stored` += the alerts stored now)
    the seen buckets, jurisdiction streams, per-IP indexes and per-minute counts are built here
    from ARGV[1] (not Redis Cluster ready)

    ARGV[1] key prefix
    ARGV[2] stream max length
    ARGV[3] per-IP index length
    ARGV[4] ttl s
    ARGV[5] min stream id kept
    ARGV[6] chunk tag: kept as each stored id's value in its seen bucket, so a retry of the same
      chunk knows which "already seen" ids it stored itself (and may not have scored yet)
    ARGV[7…] 5 values per alert: id, jurisdiction, canonical source ip, seen bucket (alert day), alert JSON

  Output:
    {ids stored now, ids this same chunk (tag) stored on an earlier attempt}; other duplicates left out
]]
local prefix, maxLen, perIpMax, ttl, minId, tag = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local stored = {}
local again = {}
local touched = {}
local perMinute = {}
for i = 7, #ARGV, 5 do
  local id, j, ip, bucket, json = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local seen = prefix .. ':alerts:seen:' .. bucket
  if redis.call('HSETNX', seen, id, tag) == 1 then
    redis.call('EXPIRE', seen, ttl)
    local stream = prefix .. ':alerts:j:' .. j
    local sid = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'a', json)
    local ipKey = prefix .. ':alerts:ip:' .. ip
    redis.call('LPUSH', ipKey, j .. '|' .. sid)
    redis.call('LTRIM', ipKey, 0, perIpMax - 1)
    redis.call('EXPIRE', ipKey, ttl)
    touched[stream] = true
    stored[#stored + 1] = id
    local minute = math.floor(tonumber(string.match(sid, '^(%d+)')) / 60000)
    local pmKey = prefix .. ':alerts:pm:' .. j .. ':' .. math.floor(minute / 1440)
    local counts = perMinute[pmKey]
    if not counts then counts = {}; perMinute[pmKey] = counts end
    counts[minute] = (counts[minute] or 0) + 1
  elseif redis.call('HGET', seen, id) == tag then
    again[#again + 1] = id
  end
end
for stream in pairs(touched) do
  redis.call('XTRIM', stream, 'MINID', '~', minId)
end
for pmKey, counts in pairs(perMinute) do
  for minute, n in pairs(counts) do
    redis.call('HINCRBY', pmKey, string.format('%d', minute), n)
  end
  redis.call('EXPIRE', pmKey, 172800)
end
if #stored > 0 then redis.call('HINCRBY', KEYS[1], 'stored', #stored) end
return { stored, again }

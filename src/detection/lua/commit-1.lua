--[[
  Commit what the worker decided: rule firings (newer wins), rank entries, and flags by
  compare-and-set on the flag generation, so two workers scoring the same IP flag it once.

  Input:
    KEYS[1] the deployment's ingest totals hash (field `scored` += ARGV[5])
    feature hashes, rank zsets, the flag log and evidence lists are built here from ARGV[1]
    (not Redis Cluster ready)

    ARGV[1] key prefix
    ARGV[2] rank floor
    ARGV[3] evidence max
    ARGV[4] flag log max length
    ARGV[5] alerts this chunk scored (counted into KEYS[1])
    ARGV[6] ingest chunk id ('' = not an ingest chunk): its marker <prefix>chunk:<id> (built here)
      is set to 'c' (committed); a chunk already committed changes nothing and returns {}
    ARGV[7] chunk marker ttl s
    ARGV[8…] groups: ip, scope, nRules, (ruleId, record, at)*, rankKey ('' = unranked), flag (0|1),
      expectedGen, score, at, logJson

  Output:
    for each flag won: {ip, generation, evidence ids}
]]
local P, floor, evMax, logMax = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[6] ~= '' then
  -- commit and mark in one call: a retry after a crash here commits (and counts) nothing twice
  local mk = P .. 'chunk:' .. ARGV[6]
  if redis.call('GET', mk) == 'c' then return {} end
  redis.call('SET', mk, 'c', 'EX', ARGV[7])
end
if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[1], 'scored', ARGV[5]) end
local i = 8
local function nxt() local v = ARGV[i]; i = i + 1; return v end
local won = {}
local scopes = {}
while i <= #ARGV do
  local ip, scope = nxt(), nxt()
  local fk = P .. 'f:' .. scope .. ':' .. ip
  local nRules = tonumber(nxt())
  for _ = 1, nRules do
    local id, rec, at = nxt(), nxt(), tonumber(nxt())
    local old = redis.call('HGET', fk, 'r:' .. id)
    local oldAt = old and tonumber(string.match(old, '^([^|]+)')) or nil
    if oldAt == nil or at >= oldAt then redis.call('HSET', fk, 'r:' .. id, rec) end
  end
  local rank = nxt()
  local rk = P .. 'rank:' .. scope
  if rank ~= '' then redis.call('ZADD', rk, rank, ip) else redis.call('ZREM', rk, ip) end
  scopes[rk] = true
  local flag, expected, score, at, log = nxt(), tonumber(nxt()), nxt(), nxt(), nxt()
  if flag == '1' then
    local gen = tonumber(redis.call('HGET', fk, 'fg')) or 0
    if gen == expected then
      gen = gen + 1
      redis.call('HSET', fk, 'fg', gen, 'fs', score, 'fa', at)
      redis.call('LPUSH', P .. 'flags', (string.gsub(log, '"generation":0', '"generation":' .. gen, 1)))
      redis.call('LTRIM', P .. 'flags', 0, logMax - 1)
      won[#won + 1] = { ip, gen, redis.call('LRANGE', P .. 'ev:' .. ip, 0, evMax - 1) }
    end
  end
end
for rk in pairs(scopes) do redis.call('ZREMRANGEBYSCORE', rk, '-inf', '(' .. floor) end
return won

--[[
  Merge a chunk's per-IP aggregates into each scope's state and return what scoring needs.

  Input:
    no KEYS: per-IP feature hashes, HyperLogLogs, windows, evidence lists, recurrence and the
    baseline are built here from ARGV[1] (not Redis Cluster ready)

    ARGV[1] key prefix
    ARGV[2] state ttl s
    ARGV[3] rate tau ms
    ARGV[4] baseline alpha
    ARGV[5] inline distinct-hash cap
    ARGV[6] window cap
    ARGV[7] ingest chunk id ('' = not an ingest chunk, always merge): its marker <prefix>chunk:<id>
      (built here) is absent (merge, then mark 'u'), 'u' (merged by an attempt that died before
      committing: merge nothing, only read) or 'c' (committed: return {})
    ARGV[8] chunk marker ttl s
    ARGV[9…] groups: ip, scope, first, last, n, rateK, hi, allowed, blocked, country, asn, org,
      nJ, (jurisdiction, lastTs)*, dt, dp, ds, da (concatenated 8-hex hashes; da: member addresses,
      prefix groups only), nSig, (sigKey, count, name)*, nWin, (ruleId, kind e|v, windowMs, nItems,
      (member, ts)*)*, nEv, (alertId)*

  Output:
    per group: {hash (flat), baselineLog, baselineN, windows (flat member/ts lists), recurrence (flat)};
    {} for a chunk already committed
]]
local P, ttl, tau, alpha, inlineCap, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local i = 9
local function nxt() local v = ARGV[i]; i = i + 1; return v end
local out = {}
local base = P .. 'base'
local chunk = ARGV[7]
if chunk ~= '' then
  -- merge and mark in one call, so a retried chunk never merges twice
  local mk = P .. 'chunk:' .. chunk
  local mark = redis.call('GET', mk)
  if mark == 'c' then return {} end
  if mark == 'u' then
    -- the state already holds this chunk: read what scoring needs, skipping each group's values
    while i <= #ARGV do
      local ip, scope = nxt(), nxt()
      i = i + 10
      local nJ = tonumber(nxt())
      i = i + 2 * nJ + 4
      local nSig = tonumber(nxt())
      i = i + 3 * nSig
      local wins = {}
      local nWin = tonumber(nxt())
      for _ = 1, nWin do
        local rule, kind, _, nItems = nxt(), nxt(), nxt(), tonumber(nxt())
        i = i + 2 * nItems
        local wk = P .. 'w:' .. scope .. ':' .. rule .. ':' .. ip
        wins[#wins + 1] = kind == 'e' and redis.call('ZRANGE', wk, 0, -1, 'WITHSCORES') or redis.call('HGETALL', wk)
      end
      local nEv = tonumber(nxt())
      i = i + nEv
      local lb, bn = redis.call('HGET', base, scope .. ':lb'), tonumber(redis.call('HGET', base, scope .. ':n')) or 0
      local rec = {}
      if scope == '*' then rec = redis.call('HGETALL', P .. 'rec:' .. ip) end
      out[#out + 1] = { redis.call('HGETALL', P .. 'f:' .. scope .. ':' .. ip), tostring(lb or 0), bn, wins, rec }
    end
    return out
  end
  redis.call('SET', mk, 'u', 'EX', ARGV[8])
end
while i <= #ARGV do
  local ip, scope = nxt(), nxt()
  local first, last, n, rateK = tonumber(nxt()), tonumber(nxt()), tonumber(nxt()), tonumber(nxt())
  local hi, al, bl = tonumber(nxt()), tonumber(nxt()), tonumber(nxt())
  local cc, asn, org = nxt(), nxt(), nxt()
  local fk = P .. 'f:' .. scope .. ':' .. ip
  local h = redis.call('HMGET', fk, 'f', 'l', 'rc', 'rt', 'dt', 'dp', 'ds', 'da')
  local f0, l0, rc, rt = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
  if f0 == nil or first < f0 then f0 = first end
  if l0 == nil or last > l0 then l0 = last end
  -- alert-rate EWMA as a decayed count; out-of-order chunks decay into the newer state
  if rc == nil then rc, rt = rateK, last
  elseif last >= rt then rc, rt = rc * math.exp(-(last - rt) / tau) + rateK, last
  else rc = rc + rateK * math.exp(-(rt - last) / tau) end
  redis.call('HSET', fk, 'f', f0, 'l', l0, 'rc', tostring(rc), 'rt', rt)
  redis.call('HINCRBY', fk, 'n', n)
  if hi > 0 then redis.call('HINCRBY', fk, 'hi', hi) end
  if al > 0 then redis.call('HINCRBY', fk, 'al', al) end
  if bl > 0 then redis.call('HINCRBY', fk, 'bl', bl) end
  if cc ~= '' then redis.call('HSET', fk, 'cc', cc) end
  if asn ~= '' then redis.call('HSET', fk, 'as', asn, 'ao', org) end
  local nJ = tonumber(nxt())
  for _ = 1, nJ do
    local j, t = nxt(), tonumber(nxt())
    local old = tonumber(redis.call('HGET', fk, 'j:' .. j))
    if old == nil or t > old then redis.call('HSET', fk, 'j:' .. j, t) end
  end
  -- distinct targets / ports / signatures (and member addresses of a prefix): up to inlineCap 8-hex hashes inline, then a HyperLogLog
  for s = 1, 4 do
    local name = (s == 1 and 'dt') or (s == 2 and 'dp') or (s == 3 and 'ds') or 'da'
    local add = nxt()
    local cur = h[4 + s] or ''
    if s == 4 and add == '' and cur == '' then break end -- addresses: prefix states only
    local hk = P .. 'h:' .. scope .. ':' .. name .. ':' .. ip
    local count
    if cur == '#' then
      for p = 1, #add, 8 do redis.call('PFADD', hk, string.sub(add, p, p + 7)) end
      redis.call('EXPIRE', hk, ttl)
      count = redis.call('PFCOUNT', hk)
    else
      for p = 1, #add, 8 do
        local v = string.sub(add, p, p + 7)
        local found = false
        for q = 1, #cur, 8 do if string.sub(cur, q, q + 7) == v then found = true; break end end
        if not found then cur = cur .. v end
      end
      if #cur / 8 > inlineCap then
        for q = 1, #cur, 8 do redis.call('PFADD', hk, string.sub(cur, q, q + 7)) end
        redis.call('EXPIRE', hk, ttl)
        count = redis.call('PFCOUNT', hk)
        cur = '#'
      else
        count = #cur / 8
      end
    end
    redis.call('HSET', fk, name, cur, name .. 'n', count)
  end
  local nSig = tonumber(nxt())
  for _ = 1, nSig do
    local key, cnt, nm = nxt(), tonumber(nxt()), nxt()
    if redis.call('HEXISTS', fk, 's:' .. key) == 1 then
      redis.call('HINCRBY', fk, 's:' .. key, cnt)
    elseif tonumber(redis.call('HINCRBY', fk, 'sk', 0)) < 16 then
      redis.call('HINCRBY', fk, 'sk', 1)
      redis.call('HSET', fk, 's:' .. key, cnt, 'sn:' .. key, nm)
    else
      redis.call('HINCRBY', fk, 's:~', cnt)
    end
  end
  redis.call('EXPIRE', fk, ttl)
  -- the scope's baseline: EWMA of ln(decayed per-IP count), one sample per IP per chunk (prefixes read it, never teach it)
  local lb, bn = tonumber(redis.call('HGET', base, scope .. ':lb')), tonumber(redis.call('HGET', base, scope .. ':n')) or 0
  if not string.find(ip, '/', 1, true) then
    local x = math.log(math.max(rc, 0.000001))
    if lb == nil or bn == 0 then lb = x else lb = lb + alpha * (x - lb) end
    redis.call('HSET', base, scope .. ':lb', tostring(lb))
    bn = redis.call('HINCRBY', base, scope .. ':n', 1)
  end
  local wins = {}
  local nWin = tonumber(nxt())
  for _ = 1, nWin do
    local rule, kind, W, nItems = nxt(), nxt(), tonumber(nxt()), tonumber(nxt())
    local wk = P .. 'w:' .. scope .. ':' .. rule .. ':' .. ip
    local tmin = nil
    if kind == 'e' then
      for _ = 1, nItems do
        local m, t = nxt(), tonumber(nxt())
        redis.call('ZADD', wk, t, m)
        if tmin == nil or t < tmin then tmin = t end
      end
      redis.call('ZREMRANGEBYSCORE', wk, '-inf', tmin - W)
      local card = redis.call('ZCARD', wk)
      if card > cap then redis.call('ZREMRANGEBYRANK', wk, 0, card - cap - 1) end
      wins[#wins + 1] = redis.call('ZRANGE', wk, 0, -1, 'WITHSCORES')
    else
      for _ = 1, nItems do
        local v, t = nxt(), tonumber(nxt())
        local old = tonumber(redis.call('HGET', wk, v))
        if old == nil or t > old then redis.call('HSET', wk, v, t) end
        if tmin == nil or t < tmin then tmin = t end
      end
      if redis.call('HLEN', wk) > cap then
        local all = redis.call('HGETALL', wk)
        local keep = {}
        for p = 1, #all, 2 do
          local t = tonumber(all[p + 1])
          if t <= tmin - W then redis.call('HDEL', wk, all[p]) else keep[#keep + 1] = { all[p], t } end
        end
        if #keep > cap then
          table.sort(keep, function(a, b) return a[2] < b[2] end)
          for p = 1, #keep - cap do redis.call('HDEL', wk, keep[p][1]) end
        end
      end
      wins[#wins + 1] = redis.call('HGETALL', wk)
    end
    redis.call('PEXPIRE', wk, W + 3600000)
  end
  local nEv = tonumber(nxt())
  if nEv > 0 then
    local ek = P .. 'ev:' .. ip
    for _ = 1, nEv do redis.call('LPUSH', ek, nxt()) end
    redis.call('LTRIM', ek, 0, 199)
    redis.call('EXPIRE', ek, ttl)
  end
  local rec = {}
  if scope == '*' then rec = redis.call('HGETALL', P .. 'rec:' .. ip) end
  out[#out + 1] = { redis.call('HGETALL', fk), tostring(lb or 0), bn, wins, rec }
end
return out

--[[
  Append an audit entry and link it to the previous one atomically, so concurrent writers (many
  API and worker processes) still form one chain. The hash is computed here over the exact stored
  text, so verification recomputes the same bytes.

  Input:
    KEYS[1] sequence counter
    KEYS[2] log (zset: seq → body "\n" hash)
    KEYS[3] head (hash of the last entry)

    ARGV[1] the entry's fields as a JSON object, without seq and prevHash (wrapped around them here)

  Output:
    {seq, hash}
]]
local seqKey, logKey, headKey = KEYS[1], KEYS[2], KEYS[3]
local seq = redis.call('INCR', seqKey)
local prev = redis.call('GET', headKey) or 'genesis'
local inner = string.sub(ARGV[1], 2, -2)
local body = '{"seq":' .. seq .. ',' .. inner .. ',"prevHash":"' .. prev .. '"}'
local hash = redis.sha1hex(body)
redis.call('ZADD', logKey, seq, body .. '\n' .. hash)
redis.call('SET', headKey, hash)
return {seq, hash}

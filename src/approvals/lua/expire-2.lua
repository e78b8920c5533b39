--[[
  Time out a pending approval past its deadline.

  Input:
    KEYS[1] state (hash)
    KEYS[2] pending index

    ARGV[1] now ms
    ARGV[2] now ISO
    ARGV[3] approval id

  Output:
    'timed-out', 'early', 'closed' or 'missing'
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 'closed' end
if tonumber(redis.call('HGET', KEYS[1], 'deadlineMs')) > tonumber(ARGV[1]) then return 'early' end
local approve = redis.call('HGET', KEYS[1], 'onTimeout') == 'approve'
redis.call('HSET', KEYS[1], 'status', 'timed-out', 'approved', approve and 1 or 0, 'decided', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return 'timed-out'

--[[
  Append a playbook version unless it is the current one; for files, unless the file is unchanged
  since last seen.

  Input:
    KEYS[1] heads (hash: playbook id → head JSON)
    KEYS[2] versions list of the playbook
    KEYS[3] text key (by hash)
    KEYS[4] generation counter

    ARGV[1] playbook id
    ARGV[2] text hash
    ARGV[3] text
    ARGV[4] meta JSON (without version)
    ARGV[5] 'file' | 'other'
    ARGV[6] file hash ('' none)
    ARGV[7] versions kept

  Output:
    {appended 1|0, the version now current}
]]
local headJson = redis.call('HGET', KEYS[1], ARGV[1])
local head = headJson and cjson.decode(headJson) or nil
local isFile = ARGV[5] == 'file'
if head then
  if isFile and head.fileHash == ARGV[6] and not head.removed then return {0, head.version} end
  if head.hash == ARGV[2] and not head.removed then
    if isFile and head.fileHash ~= ARGV[6] then
      head.fileHash = ARGV[6]
      redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(head))
    end
    return {0, head.version}
  end
end
local meta = cjson.decode(ARGV[4])
meta.version = (head and head.version or 0) + 1
redis.call('RPUSH', KEYS[2], cjson.encode(meta))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[7]), -1)
redis.call('SET', KEYS[3], ARGV[3])
meta.fileHash = isFile and ARGV[6] or (head and head.fileHash or false)
meta.removed = false
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(meta))
redis.call('INCR', KEYS[4])
return {1, meta.version}

-- settle.lua: commit or release a hold, as limit's quota.go.
-- KEYS[1..3]  as reserve.lua; KEYS[4], when given, the quota's charges:
--             a set of charge ids the commit adds ARGV[4] to, in the same
--             step (CommitCharge).
-- ARGV        now (µs, '' for TIME), the hold's id, '1' to commit or '0'
--             to release, the charge id.
-- Returns     0 when the hold is unknown or expired, 1 when settled, 2
--             when committed into use.
local q, hk, nk = KEYS[1], KEYS[2], KEYS[3]
local now = now_us(ARGV[1])
local id = ARGV[2]

local rec = redis.call('HGET', nk, id)
if not rec then
  return 0
end
local deadline = tonumber(redis.call('ZSCORE', hk, id))
local hn, hp, he = string.match(rec, '^(%d+) (%S+) (%S+)$')
hn, he = tonumber(hn), tonumber(he)
redis.call('HDEL', nk, id)
redis.call('ZREM', hk, id)

local st = redis.call('HMGET', q, 'period', 'used', 'held')
local period, used, held = st[1], tonumber(st[2]) or 0, tonumber(st[3]) or 0
if hp == period then
  held = held - hn
end
local result = 1
if deadline == nil or deadline <= now then
  result = 0
elseif ARGV[3] == '1' and hp == period and (he == -1 or now < he) then
  -- A hold whose period has ended was admitted under that period's
  -- allowance: its use does not count against the new one.
  used = used + hn
  result = 2
end
if period then
  redis.call('HSET', q, 'used', int(used), 'held', int(held))
end
if result > 0 and KEYS[4] then
  redis.call('SADD', KEYS[4], ARGV[4])
end
return result

-- reserve.lua: a hold on a quota, as limit's quota.go.
-- KEYS[1]  the quota: a hash of period, end (µs, -1 for never), used, held
-- KEYS[2]  its live holds: a sorted set of hold id by deadline (µs)
-- KEYS[3]  its holds' amounts: a hash of hold id -> "n period end"
-- ARGV     now (µs, '' for TIME), limit, n, hold (µs), the new hold's id,
--          then 'T' for a Total period, or 'D' and the days around the
--          client's clock (Lua has no zone database): start of the first,
--          then for each of three days its number and end (µs). The script
--          picks the day TIME falls in.
-- Returns  {granted (0/1), used + held, reset (µs, 0 for Total)}, or the
--          error "skew" when TIME falls outside the days given.
local q, hk, nk = KEYS[1], KEYS[2], KEYS[3]
local now = now_us(ARGV[1])
local limit, n, hold, id = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]

local st = redis.call('HMGET', q, 'period', 'end', 'used', 'held')
local period, pend = st[1], tonumber(st[2])
local used, held = tonumber(st[3]) or 0, tonumber(st[4]) or 0
local changed = false

-- roll: start a new period if now has left the current one.
if pend == nil or (pend ~= -1 and now >= pend) then
  local pid, pe
  if ARGV[6] == 'T' then
    pid, pe = '0', -1
  else
    local start = tonumber(ARGV[7])
    if now < start then
      return redis.error_reply('skew')
    end
    for i = 8, 12, 2 do
      if now < tonumber(ARGV[i + 1]) then
        pid, pe = ARGV[i], tonumber(ARGV[i + 1])
        break
      end
    end
    if pid == nil then
      return redis.error_reply('skew')
    end
  end
  if pid ~= period then
    -- Holds of the old period stay until settled, but no longer count.
    period, used, held = pid, 0, 0
  end
  pend = pe
  -- A new quota is written only once something is held: a look at a
  -- quota nobody used leaves nothing behind.
  changed = st[1] ~= false
end

-- expire: release the holds whose deadline has passed.
while true do
  local ids = redis.call('ZRANGEBYSCORE', hk, '-inf', int(now), 'LIMIT', 0, 1000)
  if #ids == 0 then
    break
  end
  local recs = redis.call('HMGET', nk, unpack(ids))
  for _, rec in ipairs(recs) do
    if rec then
      local hn, hp = string.match(rec, '^(%d+) (%S+)')
      if hp == period then
        held = held - tonumber(hn)
      end
    end
  end
  redis.call('HDEL', nk, unpack(ids))
  redis.call('ZREM', hk, unpack(ids))
  changed = true
end

local granted = 0
if n == 0 then
  if used + held <= limit then
    granted = 1
  end
elseif used + held + n <= limit and redis.call('ZCARD', hk) < 16777215 then
  if redis.call('HSETNX', nk, id, int(n) .. ' ' .. period .. ' ' .. int(pend)) == 0 then
    return redis.error_reply('id')
  end
  redis.call('ZADD', hk, int(now + hold), id)
  held = held + n
  granted = 1
  changed = true
end

if changed then
  redis.call('HSET', q, 'period', period, 'end', int(pend), 'used', int(used), 'held', int(held))
  if pend == -1 then
    redis.call('PERSIST', q)
  else
    -- A day's state is kept until its end and its last hold's deadline
    -- have passed, and an hour more.
    local keep = pend - now
    local last = redis.call('ZRANGE', hk, -1, -1, 'WITHSCORES')
    if last[2] then
      keep = math.max(keep, tonumber(last[2]) - now)
    end
    keep = keep + 3600000000
    pexpire(q, keep)
    pexpire(hk, keep)
    pexpire(nk, keep)
  end
end
local reset = 0
if pend ~= -1 then
  reset = pend - now
end
return {granted, used + held, reset}

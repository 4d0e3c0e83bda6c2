-- allow.lua: a sliding window of WindowSlots slots, as limit's window.go.
-- KEYS[1]  the window: a hash of per, last, total, first, and one field
--          per ring cell (slot index mod 65) holding its count.
-- ARGV     now (µs, '' for TIME), per (ns, as text: a change starts
--          afresh), width (µs), limit, n.
-- Returns  {allowed (0/1), remaining, reset (µs), retry after (µs)};
--          reset or retry after is -1 when no counted slot frees enough
--          (the caller answers per + width).
local key = KEYS[1]
local now = now_us(ARGV[1])
local per, w, limit, n = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ring = 65

local st = redis.call('HMGET', key, 'per', 'last', 'total', 'first')
local last, total, first
local fresh = st[1] ~= per
if fresh then
  redis.call('DEL', key)
  last, total, first = fdiv(now, w), 0, 0
else
  last, total, first = tonumber(st[2]), tonumber(st[3]), tonumber(st[4])
end
-- What the script found, to write back only what changed.
local last0, total0, first0 = last, total, first

local s = fdiv(now, w)
if s < last then
  -- The clock went backwards: count in the newest slot rather than in
  -- one that was already cleared.
  s = last
end
if s > last then
  -- Slot j leaves the window when slot j + 65 begins: clear the slots
  -- that left, [last - 64, s - 65]. None before first counts anything,
  -- so only [first, s - 65] is read.
  if total > 0 then
    local cells = {}
    for j = math.max(last - (ring - 1), first), math.min(s - ring, last) do
      cells[#cells + 1] = int(j % ring)
    end
    if #cells > 0 then
      local counts = redis.call('HMGET', key, unpack(cells))
      for _, c in ipairs(counts) do
        total = total - (tonumber(c) or 0)
      end
      redis.call('HDEL', key, unpack(cells))
    end
  end
  last = s
end

-- free_in returns the time from now until at least need counted calls
-- have left the window: slot j leaves it when slot j + 65 begins.
local function free_in(need)
  if need <= 0 or total == 0 then
    return 0
  end
  local freed = 0
  for j = math.max(last - (ring - 1), first, 0), last do
    local c
    if j == last and freed == 0 then
      -- Every counted call is in the newest slot.
      c = total
    else
      c = tonumber(redis.call('HGET', key, int(j % ring))) or 0
    end
    if freed == 0 and c == 0 then
      -- Slots only empty from the oldest end: the next search starts
      -- here.
      first = j + 1
    else
      freed = freed + c
      if freed >= need then
        return math.max((j + ring) * w - now, 0)
      end
    end
  end
  return -1
end

local allowed, retry = 0, 0
if total + n <= limit then
  if total == 0 then
    first = s
  end
  redis.call('HINCRBY', key, int(s % ring), n)
  total = total + n
  allowed = 1
else
  retry = free_in(total + n - limit)
end
local reset = free_in(1)
local fields = {}
if fresh then
  fields[#fields + 1] = 'per'
  fields[#fields + 1] = per
end
if last ~= last0 or fresh then
  fields[#fields + 1] = 'last'
  fields[#fields + 1] = int(last)
end
if total ~= total0 or fresh then
  fields[#fields + 1] = 'total'
  fields[#fields + 1] = int(total)
end
if first ~= first0 or fresh then
  fields[#fields + 1] = 'first'
  fields[#fields + 1] = int(first)
end
if #fields > 0 then
  redis.call('HSET', key, unpack(fields))
end
if last ~= last0 or fresh then
  -- Nothing counted in this slot counts 65 slots after it began: the
  -- key is kept that long, set once per slot.
  pexpire(key, (ring + 1) * w)
end
return {allowed, math.max(limit - total, 0), reset, retry}

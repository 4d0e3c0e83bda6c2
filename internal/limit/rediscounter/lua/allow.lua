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
if st[1] ~= per then
  redis.call('DEL', key)
  last, total, first = fdiv(now, w), 0, 0
  redis.call('HSET', key, 'per', per)
else
  last, total, first = tonumber(st[2]), tonumber(st[3]), tonumber(st[4])
end

local s = fdiv(now, w)
if s < last then
  -- The clock went backwards: count in the newest slot rather than in
  -- one that was already cleared.
  s = last
end
if s > last then
  if s - last > ring - 1 then
    local cells = {}
    for i = 0, ring - 1 do
      cells[#cells + 1] = int(i)
    end
    redis.call('HDEL', key, unpack(cells))
    total = 0
  else
    local cells = {}
    for i = last + 1, s do
      cells[#cells + 1] = int(i % ring)
    end
    local counts = redis.call('HMGET', key, unpack(cells))
    for _, c in ipairs(counts) do
      total = total - (tonumber(c) or 0)
    end
    redis.call('HDEL', key, unpack(cells))
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
    local c = tonumber(redis.call('HGET', key, int(j % ring))) or 0
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
redis.call('HSET', key, 'last', int(last), 'total', int(total), 'first', int(first))
-- Nothing counted now counts 65 slots from now.
pexpire(key, (ring + 1) * w)
return {allowed, math.max(limit - total, 0), reset, retry}

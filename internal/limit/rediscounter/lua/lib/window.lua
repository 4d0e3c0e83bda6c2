-- window.lua: allow, a sliding window of WindowSlots slots, as limit's
-- window.go.
--
-- The window is one hash: per (ns, as text: a change starts afresh),
-- last (the newest slot), total, first (the oldest slot that counts
-- anything while total > 0), fc (first's count), and one field per ring
-- cell (slot index mod 65) holding its count. A call reads the state and
-- its slot's cell with one HMGET and writes them back with one HSET; only
-- when a new slot begins does it clear the cells that left the window and
-- look for the oldest one still counting. fc is what lets the common call
-- answer the reset without reading first's cell: a window written before
-- fc existed has none, and finds it once.
local ring = 65

-- allow counts n calls at now (µs) in the window at key if they fit in
-- limit per per, with slots of w µs. It returns allowed (0/1),
-- remaining, reset (µs) and retry after (µs); reset or retry after is -1
-- when no counted slot frees enough (the caller answers per + width).
local function allow(key, now, per, w, limit, n)
  local s = fdiv(now, w)
  local st = redis.call('HMGET', key, 'per', 'last', 'total', 'first', 'fc', int(s % ring))
  local fresh = st[1] ~= per
  local last, total, first, fc, cur
  if fresh then
    if st[1] then
      redis.call('DEL', key)
    end
    last, total, first, fc, cur = s, 0, 0, 0, 0
  else
    last, total, first = tonumber(st[2]), tonumber(st[3]), tonumber(st[4])
    fc, cur = tonumber(st[5]), tonumber(st[6]) or 0
  end
  -- What the call found, to write back only what changed.
  local last0, total0, first0, fc0 = last, total, first, fc

  if s < last then
    -- The clock went backwards: count in the newest slot rather than in
    -- one that was already cleared.
    s = last
    cur = tonumber(redis.call('HGET', key, int(s % ring))) or 0
  end
  -- seek makes first the oldest slot in [from, last] that counts
  -- something, and fc its count.
  local function seek(from)
    local cells = {}
    for j = from, last do
      cells[#cells + 1] = int(j % ring)
    end
    local counts = redis.call('HMGET', key, unpack(cells))
    for i, c in ipairs(counts) do
      c = tonumber(c) or 0
      if c > 0 then
        first, fc = from + i - 1, c
        return
      end
    end
  end
  if s > last then
    -- Slot j leaves the window when slot j + 65 begins: clear the slots
    -- that left, [last - 64, s - 65]. None before first counts anything,
    -- so only [first, s - 65] is read.
    if total > 0 then
      local lo, hi = math.max(last - (ring - 1), first), math.min(s - ring, last)
      if lo <= hi then
        local cells = {}
        for j = lo, hi do
          cells[#cells + 1] = int(j % ring)
        end
        local counts = redis.call('HMGET', key, unpack(cells))
        for _, c in ipairs(counts) do
          total = total - (tonumber(c) or 0)
        end
        redis.call('HDEL', key, unpack(cells))
        if total > 0 then
          seek(hi + 1)
        end
      end
    end
    -- Slot s's cell last held slot s - 65 or older, which has left.
    cur = 0
    last = s
  end
  if total > 0 and fc == nil then
    seek(math.max(first, last - (ring - 1)))
  end

  -- free_in returns the time from now until at least need counted calls
  -- have left the window: slot j leaves it when slot j + 65 begins.
  local function free_in(need)
    if need <= 0 or total == 0 then
      return 0
    end
    if fc >= need then
      return math.max((first + ring) * w - now, 0)
    end
    local freed = fc
    local cells = {}
    for j = first + 1, last do
      cells[#cells + 1] = int(j % ring)
    end
    if #cells > 0 then
      local counts = redis.call('HMGET', key, unpack(cells))
      for i, c in ipairs(counts) do
        local j = first + i
        if j == s then
          c = cur
        end
        freed = freed + (tonumber(c) or 0)
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
      first, fc = s, 0
    end
    cur = cur + n
    if s == first then
      fc = fc + n
    end
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
  if allowed == 1 then
    fields[#fields + 1] = int(s % ring)
    fields[#fields + 1] = int(cur)
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
  if fc ~= fc0 or fresh then
    fields[#fields + 1] = 'fc'
    fields[#fields + 1] = int(fc or 0)
  end
  if #fields > 0 then
    redis.call('HSET', key, unpack(fields))
  end
  if last ~= last0 or fresh then
    -- Nothing counted in this slot counts 65 slots after it began: the
    -- key is kept that long, set once per slot.
    pexpire(key, (ring + 1) * w)
  end
  return allowed, math.max(limit - total, 0), reset, retry
end

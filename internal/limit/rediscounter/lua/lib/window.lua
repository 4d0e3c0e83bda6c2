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
--
-- allow is three steps, so that a script counting several calls at one
-- time reads and writes each window once (admit.lua): window_load reads
-- the window as it is at now, window_take decides one call on what was
-- read, window_store writes what changed.
local ring = 65

-- seek returns the oldest slot in [from, last] of the window at key that
-- counts something, and its count (0 when none does).
local function seek(key, from, last)
  local cells = {}
  for j = from, last do
    cells[#cells + 1] = int(j % ring)
  end
  local counts = redis.call('HMGET', key, unpack(cells))
  for i, c in ipairs(counts) do
    c = tonumber(c) or 0
    if c > 0 then
      return from + i - 1, c
    end
  end
  return from, 0
end

-- window_load reads the window at key, of per (ns, as text) in slots of w
-- µs, at now, and clears the slots that have left it. The window it
-- returns counts in slot s, whose count is cur.
local function window_load(key, now, per, w)
  local s = fdiv(now, w)
  local W = {key = key, per = per, w = w, cell = int(s % ring)}
  local st = redis.call('HMGET', key, 'per', 'last', 'total', 'first', 'fc', W.cell)
  W.fresh = st[1] ~= per
  if W.fresh then
    if st[1] then
      redis.call('DEL', key)
    end
    W.last, W.total, W.first, W.fc, W.cur = s, 0, 0, 0, 0
  else
    W.last, W.total, W.first = tonumber(st[2]), tonumber(st[3]), tonumber(st[4])
    W.fc, W.cur = tonumber(st[5]), tonumber(st[6]) or 0
  end
  -- What was found, to write back only what changed.
  W.last0, W.total0, W.first0, W.fc0 = W.last, W.total, W.first, W.fc

  if s < W.last then
    -- The clock went backwards: count in the newest slot rather than in
    -- one that was already cleared.
    s = W.last
    W.cell = int(s % ring)
    W.cur = tonumber(redis.call('HGET', key, W.cell)) or 0
  end
  if s > W.last then
    -- Slot j leaves the window when slot j + 65 begins: clear the slots
    -- that left, [last - 64, s - 65]. None before first counts anything,
    -- so only [first, s - 65] is read.
    if W.total > 0 then
      local lo, hi = math.max(W.last - (ring - 1), W.first), math.min(s - ring, W.last)
      if lo <= hi then
        local cells = {}
        for j = lo, hi do
          cells[#cells + 1] = int(j % ring)
        end
        local counts = redis.call('HMGET', key, unpack(cells))
        for _, c in ipairs(counts) do
          W.total = W.total - (tonumber(c) or 0)
        end
        redis.call('HDEL', key, unpack(cells))
        if W.total > 0 then
          W.first, W.fc = seek(key, hi + 1, W.last)
        end
      end
    end
    -- Slot s's cell last held slot s - 65 or older, which has left.
    W.cur = 0
    W.last = s
  end
  if W.total > 0 and W.fc == nil then
    W.first, W.fc = seek(key, math.max(W.first, W.last - (ring - 1)), W.last)
  end
  W.s = s
  return W
end

-- free_in returns the time from now until at least need of W's counted
-- calls have left the window: slot j leaves it when slot j + 65 begins;
-- -1 when no counted slot frees enough.
local function free_in(W, now, need)
  if need <= 0 or W.total == 0 then
    return 0
  end
  if W.fc >= need then
    return math.max((W.first + ring) * W.w - now, 0)
  end
  local freed = W.fc
  local cells = {}
  for j = W.first + 1, W.last do
    cells[#cells + 1] = int(j % ring)
  end
  if #cells > 0 then
    local counts = redis.call('HMGET', W.key, unpack(cells))
    for i, c in ipairs(counts) do
      local j = W.first + i
      if j == W.s then
        -- Counted in this script, not yet written.
        c = W.cur
      end
      freed = freed + (tonumber(c) or 0)
      if freed >= need then
        return math.max((j + ring) * W.w - now, 0)
      end
    end
  end
  return -1
end

-- window_take counts n calls in W if they fit in limit. It returns
-- allowed (0/1), remaining, reset (µs) and retry after (µs); reset or
-- retry after is -1 when no counted slot frees enough (the caller answers
-- per + width).
local function window_take(W, now, limit, n)
  local allowed, retry = 0, 0
  if W.total + n <= limit then
    if W.total == 0 then
      W.first, W.fc = W.s, 0
    end
    W.cur = W.cur + n
    if W.s == W.first then
      W.fc = W.fc + n
    end
    W.total = W.total + n
    W.counted = true
    allowed = 1
  else
    retry = free_in(W, now, W.total + n - limit)
  end
  return allowed, math.max(limit - W.total, 0), free_in(W, now, 1), retry
end

-- window_store writes what W's calls changed.
local function window_store(W)
  local fields = {}
  if W.fresh then
    fields[#fields + 1] = 'per'
    fields[#fields + 1] = W.per
  end
  if W.counted then
    fields[#fields + 1] = W.cell
    fields[#fields + 1] = int(W.cur)
  end
  local moved = W.last ~= W.last0 or W.fresh
  if moved then
    fields[#fields + 1] = 'last'
    fields[#fields + 1] = int(W.last)
  end
  if W.total ~= W.total0 or W.fresh then
    fields[#fields + 1] = 'total'
    fields[#fields + 1] = int(W.total)
  end
  if W.first ~= W.first0 or W.fresh then
    fields[#fields + 1] = 'first'
    fields[#fields + 1] = int(W.first)
  end
  if W.fc ~= W.fc0 or W.fresh then
    fields[#fields + 1] = 'fc'
    fields[#fields + 1] = int(W.fc or 0)
  end
  if #fields > 0 then
    redis.call('HSET', W.key, unpack(fields))
  end
  if moved then
    -- Nothing counted in this slot counts 65 slots after it began: the
    -- key is kept that long, set once per slot.
    pexpire(W.key, (ring + 1) * W.w)
  end
end

-- allow counts n calls at now (µs) in the window at key if they fit in
-- limit per per, with slots of w µs: window_take's answer.
local function allow(key, now, per, w, limit, n)
  local W = window_load(key, now, per, w)
  local allowed, remaining, reset, retry = window_take(W, now, limit, n)
  window_store(W)
  return allowed, remaining, reset, retry
end

-- hold.lua: reserve and settle, holds on a quota as limit's quota.go.
--
-- A quota is three keys of one hash tag:
--   q   a hash: period, end (µs, -1 for never), used, held, holds (how
--       many holds h has), exp (no hold's deadline is before it), ttl
--       (when the three keys expire, µs; a daily quota's only)
--   h   its holds: a sorted set of hold id by deadline (µs)
--   n   its holds' amounts: a hash of hold id -> "n period end deadline"
-- holds, exp and ttl spare the common call a ZCARD, a search for expired
-- holds and three PEXPIREs: a quota written before they existed has none,
-- and finds each once.
local hour_us = 3600000000

-- reserve holds n of limit for hold µs under id if they fit. a[i] is 'T'
-- for a Total period, or 'D' followed by the days around the client's
-- clock (Lua has no zone database): start of the first, then for each of
-- three days its number and end (µs); the call picks the day now falls
-- in. It returns granted (0/1), used + held and reset (µs, 0 for Total),
-- or nil and 'skew' when now is outside the days given.
local function reserve(q, hk, nk, now, limit, n, hold, id, a, i)
  local st = redis.call('HMGET', q, 'period', 'end', 'used', 'held', 'holds', 'exp', 'ttl')
  local period, pend = st[1], tonumber(st[2])
  local used, held = tonumber(st[3]) or 0, tonumber(st[4]) or 0
  local holds, exp, ttl = tonumber(st[5]), tonumber(st[6]), tonumber(st[7])
  local changed, rolled = false, false

  -- roll: start a new period if now has left the current one.
  if pend == nil or (pend ~= -1 and now >= pend) then
    local pid, pe
    if a[i] == 'T' then
      pid, pe = '0', -1
    else
      if now < tonumber(a[i + 1]) then
        return nil, 'skew'
      end
      for j = i + 2, i + 6, 2 do
        if now < tonumber(a[j + 1]) then
          pid, pe = a[j], tonumber(a[j + 1])
          break
        end
      end
      if pid == nil then
        return nil, 'skew'
      end
    end
    if pid ~= period then
      -- Holds of the old period stay until settled, but no longer count.
      period, used, held = pid, 0, 0
    end
    pend, rolled = pe, true
    -- A new quota is written only once something is held: a look at a
    -- quota nobody used leaves nothing behind.
    changed = st[1] ~= false
  end

  if holds == nil then
    holds = redis.call('ZCARD', hk)
  end
  -- expire: release the holds whose deadline has passed, when one may
  -- have; then exp is the earliest deadline left.
  if holds > 0 and (exp == nil or now >= exp) then
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
      holds = holds - redis.call('ZREM', hk, unpack(ids))
    end
    local earliest = redis.call('ZRANGE', hk, 0, 0, 'WITHSCORES')
    exp = tonumber(earliest[2])
    changed = true
  end

  local granted, holds0, deadline = 0, holds, nil
  if n == 0 then
    if used + held <= limit then
      granted = 1
    end
  elseif used + held + n <= limit and holds < 16777215 then
    deadline = now + hold
    if redis.call('HSETNX', nk, id, int(n) .. ' ' .. period .. ' ' .. int(pend) .. ' ' .. int(deadline)) == 0 then
      return nil, 'id'
    end
    redis.call('ZADD', hk, int(deadline), id)
    held, holds = held + n, holds + 1
    if exp == nil or deadline < exp then
      exp = deadline
    end
    granted, changed = 1, true
  end

  if changed then
    local f = {'period', period, 'end', int(pend), 'used', int(used), 'held', int(held), 'holds', int(holds)}
    if exp then
      f[#f + 1], f[#f + 2] = 'exp', int(exp)
    end
    -- A day's keys are kept until its end and its last hold's deadline
    -- have passed, and an hour more; a Total quota's for ever.
    local all, new = rolled or (pend ~= -1 and ttl == nil), holds0 == 0 and deadline
    if pend ~= -1 then
      if all then
        ttl = math.max(pend, deadline or 0) + hour_us
      elseif deadline and deadline + hour_us > ttl then
        ttl, all = deadline + hour_us, true
      end
      f[#f + 1], f[#f + 2] = 'ttl', int(ttl)
    end
    redis.call('HSET', q, unpack(f))
    -- h and n are made afresh by a first hold: they expire with q.
    if all or (new and pend ~= -1) then
      for _, k in ipairs(all and {q, hk, nk} or {hk, nk}) do
        if pend == -1 then
          redis.call('PERSIST', k)
        else
          pexpire(k, ttl - now)
        end
      end
    end
  end
  local reset = 0
  if pend ~= -1 then
    reset = pend - now
  end
  return granted, used + held, reset
end

-- settle commits (commit true) or releases the hold id. It returns 0 when
-- the hold is unknown or expired, 1 when settled, 2 when committed into
-- use. With ck, a settled hold's charge id goes into the set ck in the
-- same step (CommitCharge).
local function settle(q, hk, nk, now, id, commit, ck, charge)
  local rec = redis.call('HGET', nk, id)
  if not rec then
    return 0
  end
  local hn, hp, he, hd = string.match(rec, '^(%d+) (%S+) (%S+) ?(%S*)$')
  hn, he = tonumber(hn), tonumber(he)
  -- A hold written before its deadline was kept in n has it only in h.
  local deadline = tonumber(hd) or tonumber(redis.call('ZSCORE', hk, id))
  redis.call('HDEL', nk, id)
  local removed = redis.call('ZREM', hk, id)

  local st = redis.call('HMGET', q, 'period', 'used', 'held', 'holds')
  local period, used, held, holds = st[1], tonumber(st[2]) or 0, tonumber(st[3]) or 0, tonumber(st[4])
  if hp == period then
    held = held - hn
  end
  local result = 1
  if deadline == nil or deadline <= now then
    result = 0
  elseif commit and hp == period and (he == -1 or now < he) then
    -- A hold whose period has ended was admitted under that period's
    -- allowance: its use does not count against the new one.
    used = used + hn
    result = 2
  end
  if period then
    if holds then
      redis.call('HSET', q, 'used', int(used), 'held', int(held), 'holds', int(holds - removed))
    else
      redis.call('HSET', q, 'used', int(used), 'held', int(held))
    end
  end
  if result > 0 and ck then
    redis.call('SADD', ck, charge)
  end
  return result
end

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

-- quota_load reads the quota of keys q, hk and nk at now, starting its
-- new period if now has left the current one and releasing the holds
-- whose deadline has passed. a[i] is 'T' for a Total period, 'L' for a
-- balance whose record is a ledger (Total, and seeded from the ledger
-- since Redis last started, or nil and 'seed'), or 'D' followed by the
-- days around the client's clock (Lua has no zone database): start of the
-- first, then for each of three days its number and end (µs); the call
-- picks the day now falls in. It returns the quota, or nil and 'skew'
-- when now is outside the days given.
local function quota_load(q, hk, nk, now, a, i)
  local st = redis.call('HMGET', q, 'period', 'end', 'used', 'held', 'holds', 'exp', 'ttl', 'run')
  local Q = {q = q, hk = hk, nk = nk, period = st[1], pend = tonumber(st[2]),
    used = tonumber(st[3]) or 0, held = tonumber(st[4]) or 0,
    holds = tonumber(st[5]), exp = tonumber(st[6]), ttl = tonumber(st[7]),
    changed = false, rolled = false, new = {}}
  if a[i] == 'L' then
    -- Redis does not have the balance, or has it from before it last
    -- started, when it may have lost its last writes: it is seeded from
    -- the ledger (ledger.lua, 'seed'). LASTSAVE, the time Redis started
    -- or last wrote an RDB snapshot, is cheap; only when it moved is the
    -- run id read, which tells a snapshot from a restart.
    if st[1] == false then
      return nil, 'seed'
    end
    local saved = tostring(redis.call('LASTSAVE'))
    if st[8] ~= saved then
      if redis.call('HGET', q, 'rid') ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
        return nil, 'seed'
      end
      redis.call('HSET', q, 'run', saved)
    end
  end

  -- roll: start a new period if now has left the current one.
  if Q.pend == nil or (Q.pend ~= -1 and now >= Q.pend) then
    local pid, pe
    if a[i] ~= 'D' then
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
    if pid ~= Q.period then
      -- Holds of the old period stay until settled, but no longer count.
      Q.period, Q.used, Q.held = pid, 0, 0
    end
    Q.pend, Q.rolled = pe, true
    -- A new quota is written only once something is held: a look at a
    -- quota nobody used leaves nothing behind.
    Q.changed = st[1] ~= false
  end

  if Q.holds == nil then
    Q.holds = redis.call('ZCARD', hk)
  end
  -- expire: release the holds whose deadline has passed, when one may
  -- have; then exp is the earliest deadline left.
  if Q.holds > 0 and (Q.exp == nil or now >= Q.exp) then
    while true do
      local ids = redis.call('ZRANGEBYSCORE', hk, '-inf', int(now), 'LIMIT', 0, 1000)
      if #ids == 0 then
        break
      end
      local recs = redis.call('HMGET', nk, unpack(ids))
      for _, rec in ipairs(recs) do
        if rec then
          local hn, hp = string.match(rec, '^(%d+) (%S+)')
          if hp == Q.period then
            Q.held = Q.held - tonumber(hn)
          end
        end
      end
      redis.call('HDEL', nk, unpack(ids))
      Q.holds = Q.holds - redis.call('ZREM', hk, unpack(ids))
    end
    local earliest = redis.call('ZRANGE', hk, 0, 0, 'WITHSCORES')
    Q.exp = tonumber(earliest[2])
    Q.changed = true
  end
  Q.holds0 = Q.holds
  return Q
end

-- quota_take holds n of limit in Q for hold µs under id if they fit. It
-- returns granted (0/1), used + held and reset (µs, 0 for Total).
local function quota_take(Q, now, limit, n, hold, id)
  local granted = 0
  if n == 0 then
    if Q.used + Q.held <= limit then
      granted = 1
    end
  elseif Q.used + Q.held + n <= limit and Q.holds < 16777215 then
    local deadline = now + hold
    Q.new[#Q.new + 1] = {id, int(n) .. ' ' .. Q.period .. ' ' .. int(Q.pend) .. ' ' .. int(deadline), deadline, n}
    Q.held, Q.holds = Q.held + n, Q.holds + 1
    if Q.exp == nil or deadline < Q.exp then
      Q.exp = deadline
    end
    if Q.last == nil or deadline > Q.last then
      Q.last = deadline
    end
    granted, Q.changed = 1, true
  end
  local reset = 0
  if Q.pend ~= -1 then
    reset = Q.pend - now
  end
  return granted, Q.used + Q.held, reset
end

-- quota_store writes what Q's holds changed. When a new hold's id is
-- taken (random 64-bit ids: never seen) it writes none of the new holds,
-- and returns nil and 'id'.
local function quota_store(Q, now)
  if not Q.changed then
    return true
  end
  local taken = false
  if #Q.new > 0 then
    local ids = {}
    for _, h in ipairs(Q.new) do
      ids[#ids + 1] = h[1]
    end
    for _, v in ipairs(redis.call('HMGET', Q.nk, unpack(ids))) do
      if v then
        taken = true
      end
    end
    if taken then
      for _, h in ipairs(Q.new) do
        Q.held, Q.holds = Q.held - h[4], Q.holds - 1
      end
      Q.new, Q.last = {}, nil
    end
  end
  if #Q.new > 0 then
    local fields, scores = {}, {}
    for _, h in ipairs(Q.new) do
      fields[#fields + 1], fields[#fields + 2] = h[1], h[2]
      scores[#scores + 1], scores[#scores + 2] = int(h[3]), h[1]
    end
    redis.call('HSET', Q.nk, unpack(fields))
    redis.call('ZADD', Q.hk, unpack(scores))
  end
  local f = {'period', Q.period, 'end', int(Q.pend), 'used', int(Q.used), 'held', int(Q.held), 'holds', int(Q.holds)}
  if Q.exp then
    f[#f + 1], f[#f + 2] = 'exp', int(Q.exp)
  end
  -- A day's keys are kept until its end and its last hold's deadline
  -- have passed, and an hour more; a Total quota's for ever.
  local all, new = Q.rolled or (Q.pend ~= -1 and Q.ttl == nil), Q.holds0 == 0 and Q.last
  if Q.pend ~= -1 then
    if all then
      Q.ttl = math.max(Q.pend, Q.last or 0) + hour_us
    elseif Q.last and Q.last + hour_us > Q.ttl then
      Q.ttl, all = Q.last + hour_us, true
    end
    f[#f + 1], f[#f + 2] = 'ttl', int(Q.ttl)
  end
  redis.call('HSET', Q.q, unpack(f))
  -- h and n are made afresh by a first hold: they expire with q.
  if all or (new and Q.pend ~= -1) then
    for _, k in ipairs(all and {Q.q, Q.hk, Q.nk} or {Q.hk, Q.nk}) do
      if Q.pend == -1 then
        redis.call('PERSIST', k)
      else
        pexpire(k, Q.ttl - now)
      end
    end
  end
  if taken then
    return nil, 'id'
  end
  return true
end

-- reserve holds n of limit for hold µs under id if they fit, as
-- quota_load and quota_take describe. It returns granted (0/1), used +
-- held and reset (µs, 0 for Total), or nil and 'skew' or 'id'.
local function reserve(q, hk, nk, now, limit, n, hold, id, a, i)
  local Q, err = quota_load(q, hk, nk, now, a, i)
  if Q == nil then
    return nil, err
  end
  local granted, used, reset = quota_take(Q, now, limit, n, hold, id)
  local ok, err = quota_store(Q, now)
  if not ok then
    return nil, err
  end
  return granted, used, reset
end

-- holds_load reads, for settling the holds ids of the quota of keys q, hk
-- and nk, the quota and those holds.
local function holds_load(q, hk, nk, ids)
  local st = redis.call('HMGET', q, 'period', 'used', 'held', 'holds')
  local S = {q = q, hk = hk, nk = nk, period = st[1], used = tonumber(st[2]) or 0,
    held = tonumber(st[3]) or 0, holds = tonumber(st[4]), recs = {}, done = {}, removed = {}}
  local recs = redis.call('HMGET', nk, unpack(ids))
  for i, id in ipairs(ids) do
    S.recs[id] = recs[i]
  end
  return S
end

-- holds_take commits (commit true) or releases the hold id of S. It
-- returns 0 when the hold is unknown, expired or already settled, 1 when
-- settled, 2 when committed into use; and the hold's amount.
local function holds_take(S, now, id, commit)
  local rec = S.recs[id]
  if not rec or S.done[id] then
    return 0
  end
  S.done[id] = true
  S.removed[#S.removed + 1] = id
  local hn, hp, he, hd = string.match(rec, '^(%d+) (%S+) (%S+) ?(%S*)$')
  hn, he = tonumber(hn), tonumber(he)
  -- A hold written before its deadline was kept in n has it only in h.
  local deadline = tonumber(hd) or tonumber(redis.call('ZSCORE', S.hk, id))
  if hp == S.period then
    S.held = S.held - hn
  end
  if deadline == nil or deadline <= now then
    return 0, hn
  end
  if commit and hp == S.period and (he == -1 or now < he) then
    -- A hold whose period has ended was admitted under that period's
    -- allowance: its use does not count against the new one.
    S.used = S.used + hn
    return 2, hn
  end
  return 1, hn
end

-- holds_store writes what S's settles changed.
local function holds_store(S)
  if #S.removed == 0 then
    return
  end
  redis.call('HDEL', S.nk, unpack(S.removed))
  local removed = redis.call('ZREM', S.hk, unpack(S.removed))
  if S.period then
    if S.holds then
      redis.call('HSET', S.q, 'used', int(S.used), 'held', int(S.held), 'holds', int(S.holds - removed))
    else
      redis.call('HSET', S.q, 'used', int(S.used), 'held', int(S.held))
    end
  end
end

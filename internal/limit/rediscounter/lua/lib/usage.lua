-- usage.lua: a call's usage counted in the hour now falls in. An
-- account's usage is one hash per hour, with one field per counter of
-- each row (access key, group, API, environment).
--
-- Counting is two steps, so that a script counting several calls adds
-- each field once: usage_take adds a call's usage to U, usage_store writes
-- U's sums.

-- usage_sum adds n to the counter letter of row in h, when n is not 0
-- or always.
local function usage_sum(h, row, letter, n, always)
  if n == 0 and not always then
    return
  end
  local f = row .. letter
  local sum = h.sums[f]
  if sum == nil then
    h.fields[#h.fields + 1] = f
    sum = 0
  end
  h.sums[f] = sum + n
end

-- usage_take adds c calls, o OK, m charged and b business errors in row
-- (the field prefix) to U, for the hash of now's hour: k1, k2 or k3, the
-- hashes of the hours hour0, hour0 + 1 and hour0 + 2 around the client's
-- clock. It returns the hour counted in, or nil and 'skew' when now is
-- outside the three hours. A row is kept while its hour is within kept
-- hours, as Memory's sweep.
local function usage_take(U, k1, k2, k3, now, hour0, kept, row, c, o, m, b)
  local hour = fdiv(now, 3600000000)
  local i = hour - hour0 + 1
  if i < 1 or i > 3 then
    return nil, 'skew'
  end
  local key = ({k1, k2, k3})[i]
  local h = U[key]
  if h == nil then
    h = {key = key, until_us = (hour + kept + 1) * 3600000000, fields = {}, sums = {}}
    U[key] = h
    U[#U + 1] = h
  end
  -- calls is always written, so that a row exists once Add was called.
  usage_sum(h, row, 'c', tonumber(c), true)
  usage_sum(h, row, 'o', tonumber(o))
  usage_sum(h, row, 'm', tonumber(m))
  usage_sum(h, row, 'b', tonumber(b))
  return hour
end

-- usage_store writes U's sums.
local function usage_store(U, now)
  for _, h in ipairs(U) do
    local fresh = false
    for _, f in ipairs(h.fields) do
      local n = h.sums[f]
      local v = redis.call('HINCRBY', h.key, f, int(n))
      if string.sub(f, -1) == 'c' and v == n then
        -- A new row, and perhaps a new hash: its expiry is set once.
        fresh = true
      end
    end
    if fresh then
      pexpire(h.key, h.until_us - now)
    end
  end
end

-- add_usage counts one call's usage, as usage_take says.
local function add_usage(k1, k2, k3, now, hour0, kept, row, c, o, m, b)
  local U = {}
  local hour, err = usage_take(U, k1, k2, k3, now, hour0, kept, row, c, o, m, b)
  if hour == nil then
    return nil, err
  end
  usage_store(U, now)
  return hour
end

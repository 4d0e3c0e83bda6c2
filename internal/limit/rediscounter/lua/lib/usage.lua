-- usage.lua: add_usage, a call's usage counted in the hour now falls in.
-- An account's usage is one hash per hour, with one field per counter of
-- each row (access key, group, API, environment).

-- add_usage counts c calls, o OK, m charged and b business errors in row
-- (the field prefix) of the hash of now's hour: k1, k2 or k3, the hashes
-- of the hours hour0, hour0 + 1 and hour0 + 2 around the client's clock.
-- It returns the hour counted in, or nil and 'skew' when now is outside
-- the three hours. A row is kept while its hour is within kept hours, as
-- Memory's sweep.
local function add_usage(k1, k2, k3, now, hour0, kept, row, c, o, m, b)
  local hour = fdiv(now, 3600000000)
  local i = hour - hour0 + 1
  if i < 1 or i > 3 then
    return nil, 'skew'
  end
  local key = ({k1, k2, k3})[i]
  -- calls is always written, so that a row exists once Add was called.
  local calls = redis.call('HINCRBY', key, row .. 'c', c)
  if o ~= '0' then
    redis.call('HINCRBY', key, row .. 'o', o)
  end
  if m ~= '0' then
    redis.call('HINCRBY', key, row .. 'm', m)
  end
  if b ~= '0' then
    redis.call('HINCRBY', key, row .. 'b', b)
  end
  if calls == tonumber(c) then
    -- A new row, and perhaps a new hash: its expiry is set once.
    pexpire(key, (hour + kept + 1) * 3600000000 - now)
  end
  return hour
end

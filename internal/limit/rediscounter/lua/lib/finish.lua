-- finish.lua: finish_section, the settlements of one or more calls
-- (limit.Settle) within step.lua, on ARGV[a0..last]: each call's holds
-- committed or released, then its usage. The calls are settled one after
-- the other, as if each had its own script, but each quota they share is
-- read once and written once (holds_load, holds_take, holds_store), each
-- usage field is added once (usage_take, usage_store), and each is named
-- once.
-- KEYS     step.lua's: a quota's q, h and n; an account's usage hashes of
--          three hours (usage.lua); each once.
-- ARGV     the number of quotas, then the index in KEYS of each one's q (h
--          and n follow); the number of usage rows, then for each the
--          index in KEYS of its first hash, and usage.lua's ARGV[2..4] (the
--          first hash's hour, the hours kept, the row's field prefix); then
--          for each call: '1' to commit or '0' to release, the number of
--          its holds, for each its quota's index (1-based) and id; its
--          usage row's index (0: none) and, with one, calls, ok, charged,
--          business, the 1-based index of the hold that is the call's
--          charge (0: none) and its amount, added to charged only if that
--          hold was settled.
-- Appends  to out, for each call, how many integers follow, then one per
--          hold (settle.lua's), then with usage the hour counted in, or -1
--          when TIME falls outside the three hours.
local function finish_section(now, a0, last, out)
  local quotas, rows = {}, {}
  local a = a0 + 1
  for i = 1, tonumber(ARGV[a0]) do
    quotas[i] = {k = tonumber(ARGV[a]), ids = {}}
    a = a + 1
  end
  local nrows = tonumber(ARGV[a])
  a = a + 1
  for i = 1, nrows do
    rows[i] = a
    a = a + 4
  end
  local calls = a

  -- First the holds of every call, by quota, to read each quota once.
  while a <= last do
    local h = tonumber(ARGV[a + 1])
    a = a + 2
    for _ = 1, h do
      local Q = quotas[tonumber(ARGV[a])]
      Q.ids[#Q.ids + 1] = ARGV[a + 1]
      a = a + 2
    end
    if ARGV[a] == '0' then
      a = a + 1
    else
      a = a + 7
    end
  end
  for _, Q in ipairs(quotas) do
    if #Q.ids > 0 then
      Q.S = holds_load(KEYS[Q.k], KEYS[Q.k + 1], KEYS[Q.k + 2], Q.ids)
    end
  end

  -- Then each call in turn.
  local U = {}
  a = calls
  while a <= last do
    local commit, h = ARGV[a] == '1', tonumber(ARGV[a + 1])
    a = a + 2
    local head = #out + 1
    out[head] = 0
    local results = {}
    for i = 1, h do
      local r = holds_take(quotas[tonumber(ARGV[a])].S, now, ARGV[a + 1], commit)
      results[i] = r
      out[#out + 1] = r
      a = a + 2
    end
    local row = tonumber(ARGV[a])
    if row > 0 then
      local u, r = a + 1, rows[row]
      local m, charge = ARGV[u + 2], tonumber(ARGV[u + 4])
      if charge > 0 and results[charge] > 0 then
        m = int(tonumber(m) + tonumber(ARGV[u + 5]))
      end
      local k = tonumber(ARGV[r])
      local hour = usage_take(U, KEYS[k], KEYS[k + 1], KEYS[k + 2], now, tonumber(ARGV[r + 1]), tonumber(ARGV[r + 2]),
        ARGV[r + 3], ARGV[u], ARGV[u + 1], m, ARGV[u + 3])
      out[#out + 1] = hour or -1
      a = a + 7
    else
      a = a + 1
    end
    out[head] = #out - head
  end
  for _, Q in ipairs(quotas) do
    if Q.S then
      holds_store(Q.S)
    end
  end
  usage_store(U, now)
end

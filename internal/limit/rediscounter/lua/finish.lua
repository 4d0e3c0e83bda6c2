-- finish.lua: the settlements of one or more calls in one step
-- (limit.Settle): each call's holds committed or released, then its usage,
-- on one TIME. The calls are settled one after the other, as if each had
-- its own script, but each quota they share is read once and written once
-- (lib: holds_load, holds_take, holds_store), and each usage field is
-- added once (usage_take, usage_store). On a single Redis only: the keys
-- are of several hash tags.
-- KEYS     for each call, each hold's q, h and n in turn; then, with usage,
--          the account's usage hashes of three hours (usage.lua).
-- ARGV     now (µs, '' for TIME), then for each call: '1' to commit or '0'
--          to release, the number of holds, their ids, '1' with usage or
--          '0'; with usage, usage.lua's ARGV[2..8], the 1-based index of
--          the hold that is the call's charge (0: none) and its amount,
--          added to charged only if that hold was settled.
-- Returns  for each call, how many integers follow, then one per hold
--          (settle.lua's), then with usage the hour counted in, or -1 when
--          TIME falls outside the three hours.
local now = now_us(ARGV[1])

-- First the holds of every call, by quota, to read each quota once.
local quotas, order = {}, {}
local a, k = 2, 1
while a <= #ARGV do
  local h = tonumber(ARGV[a + 1])
  for i = 1, h do
    local q = KEYS[k]
    local S = quotas[q]
    if S == nil then
      S = {keys = {q, KEYS[k + 1], KEYS[k + 2]}, ids = {}}
      quotas[q] = S
      order[#order + 1] = S
    end
    S.ids[#S.ids + 1] = ARGV[a + 1 + i]
    k = k + 3
  end
  a = a + 2 + h
  if ARGV[a] == '1' then
    a, k = a + 10, k + 3
  else
    a = a + 1
  end
end
for _, S in ipairs(order) do
  S.S = holds_load(S.keys[1], S.keys[2], S.keys[3], S.ids)
end

-- Then each call in turn.
local out, U = {}, {}
a, k = 2, 1
while a <= #ARGV do
  local commit, h = ARGV[a] == '1', tonumber(ARGV[a + 1])
  local head = #out + 1
  out[head] = 0
  local results = {}
  for i = 1, h do
    local r = holds_take(quotas[KEYS[k]].S, now, ARGV[a + 1 + i], commit)
    results[i] = r
    out[#out + 1] = r
    k = k + 3
  end
  a = a + 2 + h
  if ARGV[a] == '1' then
    local u = a + 1
    local m, charge = ARGV[u + 5], tonumber(ARGV[u + 7])
    if charge > 0 and results[charge] > 0 then
      m = int(tonumber(m) + tonumber(ARGV[u + 8]))
    end
    local hour = usage_take(U, KEYS[k], KEYS[k + 1], KEYS[k + 2], now, tonumber(ARGV[u]), tonumber(ARGV[u + 1]),
      ARGV[u + 2], ARGV[u + 3], ARGV[u + 4], m, ARGV[u + 6])
    out[#out + 1] = hour or -1
    a, k = a + 10, k + 3
  else
    a = a + 1
  end
  out[head] = #out - head
end
for _, S in ipairs(order) do
  holds_store(S.S)
end
usage_store(U, now)
return out

-- finish.lua: a call's settlement in one step (limit.Settle): its holds
-- committed or released, then its usage, on one TIME. On a single Redis
-- only: the keys are of several hash tags.
-- KEYS     each hold's q, h and n in turn; then, with usage, the
--          account's usage hashes of three hours (usage.lua).
-- ARGV     now (µs, '' for TIME), '1' to commit or '0' to release, the
--          number of holds, their ids; then, with usage, usage.lua's
--          ARGV[2..8], the 1-based index of the hold that is the call's
--          charge (0: none) and its amount, added to charged only if that
--          hold was settled.
-- Returns  one integer per hold (settle.lua's), then with usage the hour
--          counted in, or -1 when TIME falls outside the three hours.
local now = now_us(ARGV[1])
local commit, h = ARGV[2] == '1', tonumber(ARGV[3])
local out = {}
for i = 1, h do
  out[i] = settle(KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], now, ARGV[3 + i], commit)
end
local u = 4 + h
if ARGV[u] then
  local m, charge = ARGV[u + 5], tonumber(ARGV[u + 7])
  if charge > 0 and out[charge] > 0 then
    m = int(tonumber(m) + tonumber(ARGV[u + 8]))
  end
  local k = 3 * h
  local hour = add_usage(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], now, tonumber(ARGV[u]), tonumber(ARGV[u + 1]),
    ARGV[u + 2], ARGV[u + 3], ARGV[u + 4], m, ARGV[u + 6])
  out[h + 1] = hour or -1
end
return out

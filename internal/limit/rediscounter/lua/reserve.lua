-- reserve.lua: Reserve, a hold on a quota (lib/hold.lua).
-- KEYS     the quota's q, h and n.
-- ARGV     now (µs, '' for TIME), limit, n, hold (µs), the new hold's id,
--          then 'T' for a Total period, 'L' for a balance whose record
--          is a ledger (Total; a balance Redis does not have, or was not
--          seeded since Redis last started, is the error "seed": the
--          caller seeds it from the ledger, ledger.lua), or 'D' and the
--          days around the client's clock (start, then three of number
--          and end).
-- Returns  {granted (0/1), used + held, reset (µs, 0 for Total)}, or the
--          error "skew" when TIME falls outside the days given.
local granted, used, reset = reserve(KEYS[1], KEYS[2], KEYS[3], now_us(ARGV[1]),
  tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV, 6)
if granted == nil then
  return redis.error_reply(used)
end
return {granted, used, reset}

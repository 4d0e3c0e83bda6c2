-- usage.lua: Add, a call's usage (lib/usage.lua).
-- KEYS[1..3]  the account's usage hashes of three consecutive hours
--             around the client's clock.
-- ARGV        now (µs, '' for TIME), the hour of KEYS[1] (hours since
--             1970), the hours kept, the row's field prefix, calls, ok,
--             charged, business.
-- Returns     the hour counted in, or the error "skew" when TIME falls
--             outside the three hours.
local hour, err = add_usage(KEYS[1], KEYS[2], KEYS[3], now_us(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
if hour == nil then
  return redis.error_reply(err)
end
return hour

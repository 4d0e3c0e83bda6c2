-- usage.lua: count a call's usage in the hour Redis TIME falls in.
-- KEYS[1..3]  the account's usage hashes of three consecutive hours
--             around the client's clock (one hash per account and hour).
-- ARGV        now (µs, '' for TIME), the hour of KEYS[1] (hours since
--             1970), the hours kept, the row's field prefix (access key,
--             group, API and environment), calls, ok, charged, business.
-- Returns     the hour counted in, or the error "skew" when TIME falls
--             outside the three hours.
local now = now_us(ARGV[1])
local hour = fdiv(now, 3600000000)
local i = hour - tonumber(ARGV[2]) + 1
if i < 1 or i > 3 then
  return redis.error_reply('skew')
end
local key, row = KEYS[i], ARGV[4]
-- calls is always written, so that a row exists once Add was called.
redis.call('HINCRBY', key, row .. 'c', ARGV[5])
if ARGV[6] ~= '0' then
  redis.call('HINCRBY', key, row .. 'o', ARGV[6])
end
if ARGV[7] ~= '0' then
  redis.call('HINCRBY', key, row .. 'm', ARGV[7])
end
if ARGV[8] ~= '0' then
  redis.call('HINCRBY', key, row .. 'b', ARGV[8])
end
-- A row is kept while its hour is within retention, as Memory's sweep.
pexpire(key, (hour + tonumber(ARGV[3]) + 1) * 3600000000 - now)
return hour

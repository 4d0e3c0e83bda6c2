-- settle.lua: Commit and Release (lib/hold.lua).
-- KEYS[1..3]  the quota's q, h and n; KEYS[4], when given, the quota's
--             charges: a set the hold's charge id goes into in the same
--             step (CommitCharge).
-- ARGV        now (µs, '' for TIME), the hold's id, '1' to commit or '0'
--             to release, the charge id.
-- Returns     0 when the hold is unknown or expired, 1 when settled, 2
--             when committed into use.
return settle(KEYS[1], KEYS[2], KEYS[3], now_us(ARGV[1]), ARGV[2], ARGV[3] == '1', KEYS[4], ARGV[4])

-- step.lua: the nonces, admissions and settlements of the calls waiting,
-- in one step on one TIME (Once, limit.Admit, limit.Settle; combine.go):
-- first every admission (lib/admit.lua), then every settlement
-- (lib/finish.lua), as two scripts one after the other would. On a single
-- Redis only: the keys are of several hash tags.
-- KEYS     the keys both sections name, each once.
-- ARGV     now (µs, '' for TIME), the index in ARGV where the settlements
--          begin (#ARGV + 1 when none), then the admissions (from 3, when
--          any) and the settlements.
-- Returns  each admission's part, then each settlement's, as the sections
--          say.
local now = now_us(ARGV[1])
local split = tonumber(ARGV[2])
local out = {}
if split > 3 then
  admit_section(now, 3, split - 1, out)
end
if split <= #ARGV then
  finish_section(now, split, #ARGV, out)
end
return out

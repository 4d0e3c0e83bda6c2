-- allow.lua: Allow, one rate limit (lib/window.lua).
-- KEYS[1]  the window.
-- ARGV     now (µs, '' for TIME), per (ns, as text), width (µs), limit, n.
-- Returns  {allowed (0/1), remaining, reset (µs), retry after (µs)}.
return {allow(KEYS[1], now_us(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))}

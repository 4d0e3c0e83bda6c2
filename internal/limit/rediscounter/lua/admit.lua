-- admit.lua: a call's admission in one step (limit.Admit): its rate
-- limits and quota holds in order, on one TIME, stopping after the first
-- that refuses. On a single Redis only: the keys are of several hash tags.
-- KEYS     each operation's keys in turn: a rate limit's window; a hold's
--          q, h and n.
-- ARGV     now (µs, '' for TIME), then each operation's fields:
--            'A', per (ns, as text), width (µs), limit, n
--            'R', limit, n, hold (µs), the hold's id, and 8 period fields
--                 as reserve.lua's ('T' and 7 blanks for a Total period)
-- Returns  four integers per operation run: a rate limit's allowed,
--          remaining, reset, retry after (allow.lua); a hold's granted,
--          used + held, reset, 0 (reserve.lua), or -1, 1 (skew) or 2 (a
--          hold id taken), 0, 0 for a hold that failed, which ends the list.
local now = now_us(ARGV[1])
local out = {}
local a, k = 2, 1
while a <= #ARGV do
  local ok
  if ARGV[a] == 'A' then
    local allowed, remaining, reset, retry = allow(KEYS[k], now, ARGV[a + 1], tonumber(ARGV[a + 2]),
      tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]))
    out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = allowed, remaining, reset, retry
    ok = allowed == 1
    a, k = a + 5, k + 1
  else
    local granted, used, reset = reserve(KEYS[k], KEYS[k + 1], KEYS[k + 2], now, tonumber(ARGV[a + 1]),
      tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), ARGV[a + 4], ARGV, a + 5)
    if granted == nil then
      local code = 1
      if used == 'id' then
        code = 2
      end
      out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = -1, code, 0, 0
      return out
    end
    out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = granted, used, reset, 0
    ok = granted == 1
    a, k = a + 13, k + 3
  end
  if not ok then
    break
  end
end
return out

-- prelude.lua: helpers shared by every script. Times are microseconds
-- since the Unix epoch: Lua numbers are doubles, exact to 2^53, and
-- microseconds stay below that until the year 2255 (nanoseconds would not).

-- now returns the time: ARGV's when a test drives the clock, otherwise
-- Redis TIME, so that every gateway node counts on one clock.
local function now_us(arg)
  if arg ~= '' then
    return tonumber(arg)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- fdiv is floor(a / b) for integers, exact: a double quotient can round
-- up to the next integer.
local function fdiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
  elseif r >= b then
    q = q + 1
  end
  return q
end

-- int formats an integer for Redis: tostring would write 1.7e+15.
local function int(x)
  return string.format('%d', x)
end

-- pexpire keeps key for at least us microseconds from now.
local function pexpire(key, us)
  redis.call('PEXPIRE', key, int(math.floor(us / 1000) + 1))
end

-- admit.lua: the admissions of one or more calls in one step
-- (limit.Admit): each call's rate limits and quota holds in order, on one
-- TIME, stopping after the first that refuses. The calls are decided one
-- after the other, as if each had its own script, but each window and
-- quota they share is read once and written once (lib: window_load,
-- window_take, window_store; quota_load, quota_take, quota_store): calls
-- that arrive together, as those of one key, account or API do under
-- load, cost Redis little more than one. On a single Redis only: the keys
-- are of several hash tags.
-- KEYS     each operation's keys in turn: a rate limit's window; a hold's
--          q, h and n.
-- ARGV     now (µs, '' for TIME), then for each call the number of its
--          operations and their fields:
--            'A', per (ns, as text), width (µs), limit, n
--            'R', limit, n, hold (µs), the hold's id, and 8 period fields
--                 as reserve.lua's ('T' and 7 blanks for a Total period)
-- Returns  for each call, how many integers follow, then four per
--          operation run: a rate limit's allowed, remaining, reset, retry
--          after (allow.lua); a hold's granted, used + held, reset, 0
--          (reserve.lua), or -1, 1 (skew) or 2 (a hold id taken), 0, 0 for
--          a hold that failed, which ends the call's list.
local now = now_us(ARGV[1])
local out = {}
local windows, quotas = {}, {}
-- order keeps the windows and quotas in the order they were read, to be
-- written in it; held lists where each quota's grants were answered.
local order, held = {}, {}
local a, k = 2, 1
while a <= #ARGV do
  local m = tonumber(ARGV[a])
  a = a + 1
  local head = #out + 1
  out[head] = 0
  local stopped = false
  for _ = 1, m do
    if ARGV[a] == 'A' then
      if not stopped then
        local key, per = KEYS[k], ARGV[a + 1]
        local W = windows[key]
        if W and W.per ~= per then
          -- The same window under another period: what was counted
          -- under the first is written before the second starts afresh.
          window_store(W)
          W.stored, W = true, nil
        end
        if W == nil then
          W = window_load(key, now, per, tonumber(ARGV[a + 2]))
          windows[key] = W
          order[#order + 1] = W
        end
        local allowed, remaining, reset, retry = window_take(W, now, tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]))
        out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = allowed, remaining, reset, retry
        stopped = allowed == 0
      end
      a, k = a + 5, k + 1
    else
      if not stopped then
        local q = KEYS[k]
        local Q = quotas[q]
        if Q == nil then
          local err
          Q, err = quota_load(q, KEYS[k + 1], KEYS[k + 2], now, ARGV, a + 5)
          if Q == nil then
            Q = {err = err}
          else
            order[#order + 1] = Q
          end
          quotas[q] = Q
        end
        if Q.err then
          out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = -1, 1, 0, 0
          stopped = true
        else
          local granted, used, reset = quota_take(Q, now, tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]),
            tonumber(ARGV[a + 3]), ARGV[a + 4])
          out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = granted, used, reset, 0
          if granted == 1 and tonumber(ARGV[a + 2]) > 0 then
            held[Q] = held[Q] or {}
            table.insert(held[Q], #out - 3)
          end
          stopped = granted == 0
        end
      end
      a, k = a + 13, k + 3
    end
  end
  out[head] = #out - head
end
for _, x in ipairs(order) do
  if x.hk then
    if not quota_store(x, now) then
      -- A hold id was taken (never seen: 64 random bits): the holds
      -- granted on this quota fail. The calls' later operations stay
      -- counted, as after any failed hold.
      for _, i in ipairs(held[x] or {}) do
        out[i], out[i + 1], out[i + 2], out[i + 3] = -1, 2, 0, 0
      end
    end
  elseif not x.stored then
    window_store(x)
  end
end
return out

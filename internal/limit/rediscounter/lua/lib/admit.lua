-- admit.lua: admit_section, the admissions of one or more calls
-- (limit.Admit, and Once's nonces) within step.lua, on ARGV[a0..last]:
-- each call's rate limits and quota holds in order, stopping after the
-- first that refuses. The calls are decided one after the other, as if
-- each had its own script, but each window and quota they share is read
-- once and written once (window_load, window_take, window_store;
-- quota_load, quota_take, quota_store), and named once: calls that arrive
-- together, as those of one key, account or API do under load, cost Redis
-- little more than one.
-- KEYS     step.lua's: the counters' keys below, each once (a window's;
--          a quota's q, h and n), and the nonces'.
-- ARGV     the number of counters, then each counter's fields:
--            'A', its key's index in KEYS, per (ns, as text), width (µs),
--                 limit
--            'R', the index of its q in KEYS (h and n follow), limit,
--                 hold (µs), and 8 period fields as reserve.lua's ('T' and
--                 7 blanks for a Total period)
--          then for each call the number of its operations, and for each
--          operation its counter's index (1-based), n, and for a hold its
--          id; or, for a nonce (Once), 'N', its key's index in KEYS and its
--          ttl (ms): SET NX PX, as Once is on its own.
-- Appends  to out, for each call, how many integers follow, then for a
--          nonce 1 if it was new, 0 if not; otherwise four per operation
--          run: a rate limit's allowed, remaining, reset, retry after
--          (allow.lua); a hold's granted, used + held, reset, 0
--          (reserve.lua), or -1, 1 (skew) or 2 (a hold id taken), 0, 0 for
--          a hold that failed, which ends the call's list.
local function admit_section(now, a0, last, out)
  local counters = {}
  local a = a0 + 1
  for i = 1, tonumber(ARGV[a0]) do
    counters[i] = a
    if ARGV[a] == 'A' then
      a = a + 5
    else
      a = a + 12
    end
  end

  local windows, quotas = {}, {}
  -- order keeps the windows and quotas in the order they were read, to be
  -- written in it; held lists where each quota's grants were answered.
  local order, held = {}, {}
  while a <= last do
    local head = #out + 1
    out[head] = 0
    local m = 0
    if ARGV[a] == 'N' then
      local fresh = redis.call('SET', KEYS[tonumber(ARGV[a + 1])], '1', 'NX', 'PX', ARGV[a + 2])
      out[head + 1] = fresh and 1 or 0
      a = a + 3
    else
      m = tonumber(ARGV[a])
      a = a + 1
    end
    local stopped = false
    for _ = 1, m do
      local c, n = counters[tonumber(ARGV[a])], tonumber(ARGV[a + 1])
      local k = tonumber(ARGV[c + 1])
      if ARGV[c] == 'A' then
        if not stopped then
          local key, per = KEYS[k], ARGV[c + 2]
          local W = windows[key]
          if W and W.per ~= per then
            -- The same window under another period: what was counted
            -- under the first is written before the second starts afresh.
            window_store(W)
            W.stored, W = true, nil
          end
          if W == nil then
            W = window_load(key, now, per, tonumber(ARGV[c + 3]))
            windows[key] = W
            order[#order + 1] = W
          end
          local allowed, remaining, reset, retry = window_take(W, now, tonumber(ARGV[c + 4]), n)
          out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = allowed, remaining, reset, retry
          stopped = allowed == 0
        end
        a = a + 2
      else
        if not stopped then
          local q = KEYS[k]
          local Q = quotas[q]
          if Q == nil then
            local err
            Q, err = quota_load(q, KEYS[k + 1], KEYS[k + 2], now, ARGV, c + 4)
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
            local granted, used, reset = quota_take(Q, now, tonumber(ARGV[c + 2]), n, tonumber(ARGV[c + 3]), ARGV[a + 2])
            out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = granted, used, reset, 0
            if granted == 1 and n > 0 then
              held[Q] = held[Q] or {}
              table.insert(held[Q], #out - 3)
            end
            stopped = granted == 0
          end
        end
        a = a + 3
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
end

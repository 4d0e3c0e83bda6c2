-- ledger.lua: a balance whose record is a ledger (docs/cluster.md, "Money
-- has one ledger"). The balance's quota (KEYS[1], reserve.lua's hash) has
-- a generation, gen, drawn when it is seeded from the ledger; its used
-- counts every charge committed, and its pending hash (KEYS[2]) names
-- those whose ledger row is not known to be written: ref -> "n kind
-- time". So used = the ledger's spend + what is pending, and a balance
-- Redis lost is seeded from the ledger alone.
--
-- ARGV[1] picks the step:
--   'apply' ref gen written amount: the ledger has ref's row. Forget it
--           as pending (1). If it was not pending and this writer wrote
--           the row ('1') while the balance was seeded again since ref
--           was committed in Redis (gen differs), the seed did not see the
--           row and the pending entry was lost with the old balance: add
--           amount to used (2). Otherwise nothing (0): someone applied it
--           already, or the seed counted it. A balance Redis does not
--           have is left to the next seed (0).
--   'drop'  ref: a purchase whose transaction rolled back: take its
--           amount out of used and forget it (1), or nothing (0).
--   'read'  ref...: the balance's gen and each ref's pending entry
--           (false when not pending), for the sweeper; with no ref, for
--           a seed, the gen, the balance's used if it was written before
--           the ledger (it has no gen; false otherwise), and every
--           pending entry's ref.
--   'seed'  spent gen ref...: (re)build the balance from the ledger,
--           unless it was seeded since Redis last started (0). Redis
--           that restarts from its append-only file may have lost its
--           last writes (a second of them with appendfsync everysec), so
--           a balance is trusted only within the run of Redis that
--           seeded it: its field rid is Redis's run id, and run its
--           LASTSAVE, which Redis sets when it starts and at each RDB
--           snapshot (reserve.lua reads the run id only when LASTSAVE
--           moved). The refs given are pending
--           entries the ledger has rows of: forgotten, since spent counts
--           them. used = spent + every entry still pending (the ledger
--           has no row of them yet); held = the holds that survived, of
--           which KEYS[4] holds the amounts. A new gen (1).
local q, p = KEYS[1], KEYS[2]
local op = ARGV[1]

if op == 'read' then
  local out = {redis.call('HGET', q, 'gen') or ''}
  if #ARGV == 1 then
    local legacy = false
    if out[1] == '' then
      legacy = redis.call('HGET', q, 'used')
    end
    out[2] = legacy
    for _, ref in ipairs(redis.call('HKEYS', p)) do
      out[#out + 1] = ref
    end
    return out
  end
  for i = 2, #ARGV do
    out[#out + 1] = redis.call('HGET', p, ARGV[i])
  end
  return out
end

if op == 'seed' then
  local run = tostring(redis.call('LASTSAVE'))
  local rid = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
  if redis.call('HGET', q, 'rid') == rid then
    return 0
  end
  for i = 4, #ARGV do
    redis.call('HDEL', p, ARGV[i])
  end
  local used = tonumber(ARGV[2])
  for _, rec in ipairs(redis.call('HVALS', p)) do
    used = used + tonumber(string.match(rec, '^(%d+)'))
  end
  local held = 0
  for _, rec in ipairs(redis.call('HVALS', KEYS[4])) do
    local hn, hp = string.match(rec, '^(%d+) (%S+)')
    if hp == '0' then
      held = held + tonumber(hn)
    end
  end
  redis.call('HSET', q, 'period', '0', 'end', '-1', 'used', string.format('%d', used), 'held', string.format('%d', held),
    'gen', ARGV[3], 'run', run, 'rid', rid)
  redis.call('PERSIST', q)
  return 1
end

if redis.call('EXISTS', q) == 0 then
  return 0
end
local ref = ARGV[2]

if op == 'apply' then
  if redis.call('HDEL', p, ref) == 1 then
    return 1
  end
  if ARGV[4] == '1' and (redis.call('HGET', q, 'gen') or '') ~= ARGV[3] then
    redis.call('HINCRBY', q, 'used', ARGV[5])
    return 2
  end
  return 0
end

if op == 'drop' then
  local rec = redis.call('HGET', p, ref)
  if not rec then
    return 0
  end
  redis.call('HDEL', p, ref)
  redis.call('HINCRBY', q, 'used', -tonumber(string.match(rec, '^(%d+)')))
  return 1
end

return redis.error_reply('ledger.lua: unknown step ' .. op)

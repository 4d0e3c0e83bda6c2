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
--           (false when not pending), for the sweeper.
--   'seed'  spent gen: a balance Redis does not have starts at what the
--           ledger says was spent (1); one it has is left alone (0).
--           KEYS[3] and KEYS[4] are the quota's holds, dropped with the
--           pending entries: they were lost with it.
local q, p = KEYS[1], KEYS[2]
local op = ARGV[1]

if op == 'read' then
  local out = {redis.call('HGET', q, 'gen') or ''}
  for i = 2, #ARGV do
    out[#out + 1] = redis.call('HGET', p, ARGV[i])
  end
  return out
end

if op == 'seed' then
  if redis.call('EXISTS', q) == 1 then
    return 0
  end
  redis.call('DEL', p, KEYS[3], KEYS[4])
  redis.call('HSET', q, 'period', '0', 'end', '-1', 'used', ARGV[2], 'held', '0', 'gen', ARGV[3])
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

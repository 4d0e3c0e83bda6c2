-- settle.lua: Commit and Release (lib/hold.lua).
-- KEYS[1..3]  the quota's q, h and n; KEYS[4], when given, the quota's
--             charges: a set the hold's charge id goes into in the same
--             step (CommitCharge); with 'p', the balance's pending hash.
-- ARGV        now (µs, '' for TIME), the hold's id, '1' to commit or '0'
--             to release, the charge id; or 'p' to commit a balance hold
--             as pending on its way to the ledger (ledger.lua), with its
--             ref and kind ('c' a call, 'p' a purchase): the amount is
--             added to used and KEYS[4] records ref -> "n kind now" until
--             the ledger has its row.
-- Returns     0 when the hold is unknown or expired, 1 when settled, 2
--             when committed into use; with 'p', {that, the balance's
--             generation} (see ledger.lua).
local q, hk, nk = KEYS[1], KEYS[2], KEYS[3]
local now = now_us(ARGV[1])
local S = holds_load(q, hk, nk, {ARGV[2]})
local result, hn = holds_take(S, now, ARGV[2], ARGV[3] ~= '0')
holds_store(S)
if ARGV[3] == 'p' then
  if result == 2 then
    redis.call('HSET', KEYS[4], ARGV[4], int(hn) .. ' ' .. ARGV[5] .. ' ' .. int(now))
  end
  return {result, redis.call('HGET', q, 'gen') or ''}
end
if result > 0 and KEYS[4] then
  redis.call('SADD', KEYS[4], ARGV[4])
end
return result

package rediscounter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

var _ limit.Batcher = (*Counter)(nil)

// Admit implements limit.Batcher with step.lua's admission section
// (lua/lib/admit.lua): a call's rate limits and holds in one script, on
// one TIME — one round trip and one script where the methods take one of
// each per operation. The script runs the same functions as allow.lua and
// reserve.lua, so the decisions are theirs.
//
// The nonces, admissions and settlements that wait while a step is on its
// way to Redis go together in the next (combine.go): it decides each call
// in turn, as separate scripts would, but reads and writes each window and
// quota once, so calls that share them (one key's, one account's, one
// API's, all at once under load) cost Redis a share of one script.
//
// On a Redis Cluster (a script cannot span keys of several slots), and
// while Redis is down, it counts op by op through the methods
// (limit.AdmitEach), which know what to do then.
func (c *Counter) Admit(ctx context.Context, ops []limit.Op) {
	if !c.batch || c.closed.Load() || !c.Up() || c.ledgeredHold(ops) {
		limit.AdmitEach(ctx, c, ops)
		return
	}
	a := newAdmission(ops)
	defer a.release()
	if len(a.sent) > 0 {
		c.steps.run(ctx, a, c.sendStep)
		if a.err != nil {
			err := c.check(a.err)
			if !c.Up() {
				// Redis went away: the methods count on this node.
				limit.AdmitEach(ctx, c, ops)
				return
			}
			a.fail(err)
			return
		}
	}
	a.finish()
}

// admission is one call's Admit on its way: its ops, and what came back.
type admission struct {
	ops []limit.Op
	// nonce and ms are a nonce's key and ttl in milliseconds, for Once;
	// "" for an Admit.
	nonce string
	ms    int64
	// sent are the indexes of the ops the script runs, ids their holds'
	// ids; local are those it need not run (an argument that can never
	// be counted, a hold larger than any limit), whose outcomes apply
	// only if the admission reaches them; end is one past the last op
	// that may run.
	sent, local []int
	ids         []uint64
	outcomes    []limit.Op
	end         int
	res         []int64
	err         error
	wake        chan bool
}

// admissions keeps admissions for reuse: one per call otherwise.
var admissions = sync.Pool{New: func() any { return &admission{wake: make(chan bool, 1)} }}

func newAdmission(ops []limit.Op) *admission {
	a := admissions.Get().(*admission)
	a.ops, a.end, a.res, a.err, a.nonce = ops, len(ops), nil, nil, ""
	a.sent, a.local = a.sent[:0], a.local[:0]
	a.ids = append(a.ids[:0], make([]uint64, len(ops))...)
	for i := range ops {
		op := &ops[i]
		if !op.IsHold() {
			if _, err := slotWidth(op.Rate(), op.N()); err != nil {
				op.Err = err
				a.local = append(a.local, i)
				continue
			}
			a.sent = append(a.sent, i)
			continue
		}
		q, n := op.Quota(), op.N()
		if n < 0 || n > maxExact {
			if n < 0 {
				op.Err = fmt.Errorf("%w: reserve %d", limit.ErrInvalid, n)
			} else {
				op.Reservation = limit.Reservation{Key: q.Key, Limit: q.Limit}
			}
			a.local = append(a.local, i)
			a.end = i + 1
			break
		}
		a.ids[i] = rand.Uint64() | 1<<63
		a.sent = append(a.sent, i)
	}
	// Until the script answers, no op is reached: the local outcomes stay
	// aside.
	a.outcomes = a.outcomes[:0]
	for _, i := range a.local {
		a.outcomes = append(a.outcomes, ops[i])
		ops[i].Err, ops[i].Reservation = nil, limit.Reservation{}
	}
	return a
}

func (a *admission) waker() chan bool { return a.wake }
func (a *admission) lost(err error)   { a.err = err }

// release gives a back to the pool, holding on to nothing of the call.
func (a *admission) release() {
	a.ops, a.res, a.err = nil, nil, nil
	clear(a.outcomes)
	admissions.Put(a)
}

// fail gives every op sent err, as the methods would have: a rate limit's
// error lets the call through, the first hold's stops the admission. The
// ops not sent that come before it get their own outcomes.
func (a *admission) fail(err error) {
	stop := a.end - 1
	for _, i := range a.sent {
		a.ops[i].Err = err
		if a.ops[i].IsHold() {
			stop = i
			break
		}
	}
	a.restore(stop)
}

// restore gives the ops not sent, up to the op reached, their outcomes.
func (a *admission) restore(reached int) {
	for j, i := range a.local {
		if i <= reached {
			a.ops[i].Err, a.ops[i].Reservation = a.outcomes[j].Err, a.outcomes[j].Reservation
		}
	}
}

// finish reads the script's answer into the ops, and applies the local
// outcomes the admission reached.
func (a *admission) finish() {
	reached := a.end - 1
	if len(a.sent) > 0 {
		if len(a.res)%4 != 0 || len(a.res)/4 > len(a.sent) {
			a.fail(fmt.Errorf("counters: step.lua answered %v for an admission", a.res))
			return
		}
		for j := range len(a.res) / 4 {
			i, r := a.sent[j], a.res[4*j:4*j+4]
			op := &a.ops[i]
			if op.IsHold() {
				op.Reservation, op.Err = reservation(op.Quota(), op.N(), a.ids[i], r)
			} else {
				op.Decision = decision(op.Rate(), r)
			}
			if op.Stops() {
				reached = i
				break
			}
		}
	}
	a.restore(reached)
}

// counterSig is a counter as admit_section names it once for every call of a
// batch that counts in it.
type counterSig struct {
	hold   bool
	key    limit.Key
	per    time.Duration // a window's
	limit  int64
	dur    time.Duration // a hold's
	period limit.Period
}

// scriptArgs are a script's KEYS, each named once, and its ARGV.
type scriptArgs struct {
	keys  []string
	index map[string]int // key -> its 1-based index in keys
	args  []any
}

// key returns the index of k in KEYS, adding k and the keys that follow
// it when k is new. (A nonce's key, named once anyway, is appended.)
func (sa *scriptArgs) key(k ...string) int {
	if i, ok := sa.index[k[0]]; ok {
		return i
	}
	i := len(sa.keys) + 1
	sa.index[k[0]] = i
	sa.keys = append(sa.keys, k...)
	return i
}

// admitArgs appends the admissions of batch to args as admit_section
// takes them (lua/lib/admit.lua), each counter named once.
func (c *Counter) admitArgs(sa *scriptArgs, args []any, batch []*admission) []any {
	counters := map[counterSig]int{}
	var defs, calls []any
	for _, a := range batch {
		if a.nonce != "" {
			sa.keys = append(sa.keys, a.nonce)
			calls = append(calls, "N", len(sa.keys), a.ms)
			continue
		}
		calls = append(calls, len(a.sent))
		for _, i := range a.sent {
			op := &a.ops[i]
			sig := counterSig{hold: op.IsHold(), key: op.Key()}
			if sig.hold {
				q := op.Quota()
				sig.limit, sig.dur, sig.period = clampLimit(q.Limit), op.Hold(), q.Period
				if sig.dur <= 0 {
					sig.dur = limit.DefaultHold
				}
			} else {
				sig.per, sig.limit = op.Rate().Per, op.Rate().Limit
			}
			ci, ok := counters[sig]
			if !ok {
				ci = len(counters) + 1
				counters[sig] = ci
				if sig.hold {
					defs = append(defs, "R", sa.key(c.quotaKeys(sig.key)...), sig.limit, micros(sig.dur))
					defs = c.periodFields(defs, sig.period)
				} else {
					width, _ := slotWidth(op.Rate(), op.N())
					defs = append(defs, "A", sa.key(c.rateKey(sig.key)), strconv.FormatInt(int64(sig.per), 10), width/1000, sig.limit)
				}
			}
			calls = append(calls, ci, op.N())
			if sig.hold {
				calls = append(calls, strconv.FormatUint(a.ids[i], 10))
			}
		}
	}
	return append(append(append(args, len(counters)), defs...), calls...)
}

// sendStep runs step.lua once for the nonces, admissions and settlements
// of batch, and gives each its part of the answer, or the error.
func (c *Counter) sendStep(ctx context.Context, batch []waiting) {
	var (
		adms []*admission
		sets []*settlement
	)
	for _, w := range batch {
		switch x := w.(type) {
		case *admission:
			adms = append(adms, x)
		case *settlement:
			sets = append(sets, x)
		}
	}
	sa := scriptArgs{index: map[string]int{}}
	args := []any{c.scriptNow(), 0}
	if len(adms) > 0 {
		args = c.admitArgs(&sa, args, adms)
	}
	args[1] = len(args) + 1
	if len(sets) > 0 {
		args = c.finishArgs(&sa, args, sets)
	}
	res, err := stepScript.Run(ctx, c.hot, sa.keys, args...).Int64Slice()
	for _, a := range adms {
		a.res, res, err = part(res, err)
		a.err = err
	}
	for _, st := range sets {
		st.res, res, err = part(res, err)
		st.err = err
	}
}

// part takes one call's part off a script's answer: how many integers
// follow, then those. Once the answer is an error, or wrong, every part is
// that error.
func part(res []int64, err error) (mine, rest []int64, _ error) {
	if err != nil {
		return nil, nil, err
	}
	if len(res) == 0 || res[0] < 0 || int(res[0]) > len(res)-1 {
		return nil, nil, fmt.Errorf("counters: step.lua answered %v", res)
	}
	n := int(res[0])
	return res[1 : 1+n], res[1+n:], nil
}

// ledgeredHold reports whether ops hold a balance of record in the
// ledger, which Reserve seeds and checks (ledger.go): such an admission
// goes op by op.
func (c *Counter) ledgeredHold(ops []limit.Op) bool {
	for i := range ops {
		if op := &ops[i]; op.IsHold() && c.ledgered(op.Key(), op.Quota().Period) {
			return true
		}
	}
	return false
}

// ledgeredCharge reports whether s commits a balance hold of a counter
// with a ledger, which Commit queues for the ledger as a pending charge
// (ledger.go): such a settlement goes op by op.
func (c *Counter) ledgeredCharge(s *limit.Settlement) bool {
	if c.ledger == nil {
		return false
	}
	for _, r := range s.Holds {
		if r.Granted && r.Key.Scope == limit.BalanceScope {
			return true
		}
	}
	return false
}

// reservation turns a hold's four integers from admit_section into what
// Reserve returns.
func reservation(q limit.Quota, n int64, id uint64, r []int64) (limit.Reservation, error) {
	if r[0] < 0 {
		reason := "skew"
		if r[1] == 2 {
			reason = "id"
		}
		return limit.Reservation{}, fmt.Errorf("counters: reserve: %s", reason)
	}
	res := limit.Reservation{
		Key:       q.Key,
		Granted:   r[0] == 1,
		Limit:     q.Limit,
		Remaining: max(q.Limit-r[1], 0),
		Reset:     time.Duration(r[2]) * time.Microsecond,
	}
	if res.Granted && n > 0 {
		res.ID, res.N = id, n
	}
	return res, nil
}

// Settle implements limit.Batcher with step.lua's settlement section
// (lua/lib/finish.lua): a call's holds committed or released and its usage
// added, in one script on one TIME. As with Admit, the calls waiting go
// together in the next step, which settles after its admissions, reads and
// writes each quota once and adds each usage field once. On a Redis Cluster and while Redis is down
// it settles op by op (limit.SettleEach).
func (c *Counter) Settle(ctx context.Context, s *limit.Settlement) error {
	if !c.batch || c.closed.Load() || !c.Up() || c.ledgeredCharge(s) {
		return limit.SettleEach(ctx, c, s)
	}
	st := newSettlement(c, s)
	defer st.release()
	if len(st.sent) == 0 && !s.Count {
		return nil
	}
	c.steps.run(ctx, st, c.sendStep)
	err := st.err
	if err == nil && len(st.res) != len(st.sent)+boolInt(s.Count) {
		err = fmt.Errorf("counters: step.lua answered %v for a settlement", st.res)
	}
	if err = c.check(err); err != nil {
		// Nothing settled that the caller may count on: a commit not
		// acknowledged is not taken (its hold expires), a release not
		// made expires too. Usage waits in this node while Redis is down,
		// as Add's does.
		var failed error
		if s.Commit && len(st.sent) > 0 {
			failed = err
		}
		for _, i := range st.sent {
			s.Holds[i].Granted = false
		}
		if s.Count {
			if c.Up() {
				return err
			}
			c.health.fallback.WithLabelValues("add").Inc()
			c.pending.addUsage(s.UsageKey, st.hour, s.Usage)
		}
		return failed
	}
	for j, i := range st.sent {
		if st.res[j] == 0 && s.Commit {
			// The hold expired before the call ended: not taken, and
			// the caller keeps the call.
			s.Holds[i].Granted = false
		}
	}
	if s.Count && st.res[len(st.sent)] < 0 {
		return errors.New("counters: step.lua: skew")
	}
	return nil
}

// settlement is one call's Settle on its way, and what came back.
type settlement struct {
	s    *limit.Settlement
	sent []int // the holds settled, by index in Holds
	hour int64 // the node's hour of its usage
	res  []int64
	err  error
	wake chan bool
}

var settlements = sync.Pool{New: func() any { return &settlement{wake: make(chan bool, 1)} }}

func newSettlement(c *Counter, s *limit.Settlement) *settlement {
	st := settlements.Get().(*settlement)
	st.s, st.sent, st.res, st.err = s, st.sent[:0], nil, nil
	for i, r := range s.Holds {
		if r.Granted && r.ID != 0 {
			// (Nothing held, n == 0: nothing to settle.)
			st.sent = append(st.sent, i)
		}
	}
	if s.Count {
		st.hour = floorDiv(c.clock.Now().UnixNano(), int64(time.Hour))
	}
	return st
}

func (st *settlement) waker() chan bool { return st.wake }
func (st *settlement) lost(err error)   { st.err = err }

// release gives st back to the pool.
func (st *settlement) release() {
	st.s, st.res, st.err = nil, nil, nil
	settlements.Put(st)
}

// usageRow is a usage row as finish_section names it once for every call of
// a batch that counts in it.
type usageRow struct {
	key  limit.UsageKey
	hour int64
}

// finishArgs appends the settlements of batch to args as finish_section
// takes them (lua/lib/finish.lua), each quota and usage row named once.
func (c *Counter) finishArgs(sa *scriptArgs, args []any, batch []*settlement) []any {
	quotas, rows := map[limit.Key]int{}, map[usageRow]int{}
	var quotaDefs, rowDefs, calls []any
	for _, st := range batch {
		s := st.s
		commit := "0"
		if s.Commit {
			commit = "1"
		}
		calls = append(calls, commit, len(st.sent))
		charge, amount := 0, int64(0)
		for j, i := range st.sent {
			r := s.Holds[i]
			qi, ok := quotas[r.Key]
			if !ok {
				qi = len(quotas) + 1
				quotas[r.Key] = qi
				quotaDefs = append(quotaDefs, sa.key(c.quotaKeys(r.Key)...))
			}
			calls = append(calls, qi, strconv.FormatUint(r.ID, 10))
			if i == s.Charge && s.Commit {
				charge, amount = j+1, r.N
			}
		}
		if !s.Count {
			calls = append(calls, 0)
			continue
		}
		k, u := s.UsageKey, s.Usage
		row := usageRow{k, st.hour}
		ri, ok := rows[row]
		if !ok {
			ri = len(rows) + 1
			rows[row] = ri
			first := sa.key(c.usageKey(k.Pin, st.hour-1), c.usageKey(k.Pin, st.hour), c.usageKey(k.Pin, st.hour+1))
			rowDefs = append(rowDefs, first, st.hour-1, c.retention, usageField(k))
		}
		calls = append(calls, ri, u.Calls, u.OK, u.Charged, u.Business, charge, amount)
	}
	args = append(append(args, len(quotas)), quotaDefs...)
	return append(append(append(args, len(rows)), rowDefs...), calls...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

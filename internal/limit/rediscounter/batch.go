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

// Admit implements limit.Batcher with admit.lua: a call's rate limits and
// holds in one script, on one TIME — one round trip and one script where
// the methods take one of each per operation. The script runs the same
// functions as allow.lua and reserve.lua, so the decisions are theirs.
//
// The admissions that wait while one is on its way to Redis go together in
// the next script (combiner): it decides each call in turn, as separate
// scripts would, but reads and writes each window and quota once, so calls
// that share them (one key's, one account's, one API's, all at once under
// load) cost Redis a share of one script.
//
// On a Redis Cluster (a script cannot span keys of several slots), and
// while Redis is down, it counts op by op through the methods
// (limit.AdmitEach), which know what to do then.
func (c *Counter) Admit(ctx context.Context, ops []limit.Op) {
	if !c.batch || c.closed.Load() || !c.Up() {
		limit.AdmitEach(ctx, c, ops)
		return
	}
	a := newAdmission(c, ops)
	defer a.release()
	if len(a.sent) > 0 {
		c.admits.run(ctx, a, c.sendAdmissions)
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

// admission is one call's Admit on its way: its ops as admit.lua takes
// them, and what came back.
type admission struct {
	ops []limit.Op
	// sent are the indexes of the ops the script runs, ids their holds'
	// ids; local are those it need not run (an argument that can never
	// be counted, a hold larger than any limit), whose outcomes apply
	// only if the admission reaches them; end is one past the last op
	// that may run.
	sent, local []int
	ids         []uint64
	outcomes    []limit.Op
	end         int
	keys        []string
	args        []any // the call's part of ARGV, its count of ops first
	res         []int64
	err         error
	wake        chan bool
}

// admissions keeps admissions for reuse: one per call otherwise.
var admissions = sync.Pool{New: func() any { return &admission{wake: make(chan bool, 1)} }}

func newAdmission(c *Counter, ops []limit.Op) *admission {
	a := admissions.Get().(*admission)
	a.ops, a.end, a.res, a.err = ops, len(ops), nil, nil
	a.sent, a.local, a.keys, a.args = a.sent[:0], a.local[:0], a.keys[:0], append(a.args[:0], nil)
	a.ids = append(a.ids[:0], make([]uint64, len(ops))...)
	for i := range ops {
		op := &ops[i]
		if !op.IsHold() {
			r := op.Rate()
			width, err := slotWidth(r, op.N())
			if err != nil {
				op.Err = err
				a.local = append(a.local, i)
				continue
			}
			a.keys = append(a.keys, c.rateKey(op.Key()))
			a.args = append(a.args, "A", strconv.FormatInt(int64(r.Per), 10), width/1000, r.Limit, op.N())
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
		hold := op.Hold()
		if hold <= 0 {
			hold = limit.DefaultHold
		}
		a.ids[i] = rand.Uint64() | 1<<63
		a.keys = append(a.keys, c.quotaKeys(q.Key)...)
		a.args = append(a.args, "R", clampLimit(q.Limit), n, micros(hold), strconv.FormatUint(a.ids[i], 10))
		a.args = c.periodFields(a.args, q.Period)
		a.sent = append(a.sent, i)
	}
	a.args[0] = len(a.sent)
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

// release gives a back to the pool, holding on to nothing of the call.
func (a *admission) release() {
	a.ops, a.res, a.err = nil, nil, nil
	clear(a.outcomes)
	admissions.Put(a)
}

// fail gives every op sent err, as the methods would have: a rate limit's
// error lets the call through, the first hold's stops the admission.
func (a *admission) fail(err error) {
	for _, i := range a.sent {
		a.ops[i].Err = err
		if a.ops[i].IsHold() {
			return
		}
	}
}

// finish reads the script's answer into the ops, and applies the local
// outcomes the admission reached.
func (a *admission) finish() {
	reached := a.end - 1
	if len(a.sent) > 0 {
		if len(a.res)%4 != 0 || len(a.res)/4 > len(a.sent) {
			a.fail(fmt.Errorf("counters: admit.lua answered %v", a.res))
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
	for j, i := range a.local {
		if i <= reached {
			a.ops[i].Err, a.ops[i].Reservation = a.outcomes[j].Err, a.outcomes[j].Reservation
		}
	}
}

// sendAdmissions runs admit.lua once for every admission of batch, and
// gives each its part of the answer, or the error.
func (c *Counter) sendAdmissions(ctx context.Context, batch []*admission) {
	nk, na := 0, 1
	for _, a := range batch {
		nk, na = nk+len(a.keys), na+len(a.args)
	}
	keys, args := make([]string, 0, nk), make([]any, 1, na)
	args[0] = c.scriptNow()
	for _, a := range batch {
		keys = append(keys, a.keys...)
		args = append(args, a.args...)
	}
	res, err := admitScript.Run(ctx, c.hot, keys, args...).Int64Slice()
	for _, a := range batch {
		if err != nil {
			a.err = err
			continue
		}
		if len(res) == 0 || res[0] < 0 || int(res[0]) > len(res)-1 {
			a.err = fmt.Errorf("counters: admit.lua answered %v", res)
			continue
		}
		n := int(res[0])
		a.res, res = res[1:1+n], res[1+n:]
	}
}

// reservation turns a hold's four integers from admit.lua into what
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

// Settle implements limit.Batcher with finish.lua: a call's holds
// committed or released and its usage added, in one script on one TIME.
// As with Admit, the settlements waiting while one is on its way go
// together in the next script, which reads and writes each quota once and
// adds each usage field once. On a Redis Cluster and while Redis is down
// it settles op by op (limit.SettleEach).
func (c *Counter) Settle(ctx context.Context, s *limit.Settlement) error {
	if !c.batch || c.closed.Load() || !c.Up() {
		return limit.SettleEach(ctx, c, s)
	}
	st := newSettlement(c, s)
	defer st.release()
	if len(st.sent) == 0 && !s.Count {
		return nil
	}
	c.settles.run(ctx, st, c.sendSettlements)
	err := st.err
	if err == nil && len(st.res) != len(st.sent)+boolInt(s.Count) {
		err = fmt.Errorf("counters: finish.lua answered %v", st.res)
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
		return errors.New("counters: finish.lua: skew")
	}
	return nil
}

// settlement is one call's Settle on its way: its part of finish.lua's
// keys and ARGV, and what came back.
type settlement struct {
	sent []int // the holds settled, by index in Holds
	hour int64 // the node's hour of its usage
	keys []string
	args []any
	res  []int64
	err  error
	wake chan bool
}

var settlements = sync.Pool{New: func() any { return &settlement{wake: make(chan bool, 1)} }}

func newSettlement(c *Counter, s *limit.Settlement) *settlement {
	st := settlements.Get().(*settlement)
	st.sent, st.keys, st.res, st.err = st.sent[:0], st.keys[:0], nil, nil
	st.args = append(st.args[:0], "0", 0)
	if s.Commit {
		st.args[0] = "1"
	}
	charge, amount := 0, int64(0)
	for i, r := range s.Holds {
		if !r.Granted || r.ID == 0 {
			// Nothing held (n == 0): nothing to settle.
			continue
		}
		st.sent = append(st.sent, i)
		st.keys = append(st.keys, c.quotaKeys(r.Key)...)
		st.args = append(st.args, strconv.FormatUint(r.ID, 10))
		if i == s.Charge && s.Commit {
			charge, amount = len(st.sent), r.N
		}
	}
	st.args[1] = len(st.sent)
	if !s.Count {
		st.args = append(st.args, "0")
		return st
	}
	k, u := s.UsageKey, s.Usage
	st.hour = floorDiv(c.clock.Now().UnixNano(), int64(time.Hour))
	st.keys = append(st.keys, c.usageKey(k.Pin, st.hour-1), c.usageKey(k.Pin, st.hour), c.usageKey(k.Pin, st.hour+1))
	st.args = append(st.args, "1", st.hour-1, c.retention, usageField(k), u.Calls, u.OK, u.Charged, u.Business, charge, amount)
	return st
}

func (st *settlement) waker() chan bool { return st.wake }

// release gives st back to the pool.
func (st *settlement) release() {
	st.res, st.err = nil, nil
	settlements.Put(st)
}

// sendSettlements runs finish.lua once for every settlement of batch, and
// gives each its part of the answer, or the error.
func (c *Counter) sendSettlements(ctx context.Context, batch []*settlement) {
	nk, na := 0, 1
	for _, st := range batch {
		nk, na = nk+len(st.keys), na+len(st.args)
	}
	keys, args := make([]string, 0, nk), make([]any, 1, na)
	args[0] = c.scriptNow()
	for _, st := range batch {
		keys = append(keys, st.keys...)
		args = append(args, st.args...)
	}
	res, err := finishScript.Run(ctx, c.hot, keys, args...).Int64Slice()
	for _, st := range batch {
		if err != nil {
			st.err = err
			continue
		}
		if len(res) == 0 || res[0] < 0 || int(res[0]) > len(res)-1 {
			st.err = fmt.Errorf("counters: finish.lua answered %v", res)
			continue
		}
		n := int(res[0])
		st.res, res = res[1:1+n], res[1+n:]
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

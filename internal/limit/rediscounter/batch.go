package rediscounter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

var _ limit.Batcher = (*Counter)(nil)

// Admit implements limit.Batcher with admit.lua: a call's rate limits and
// holds in one script, on one TIME — one round trip and one script where
// the methods take one of each per operation. The script runs the same
// functions as allow.lua and reserve.lua, so the decisions are theirs.
//
// On a Redis Cluster (a script cannot span keys of several slots), and
// while Redis is down, it counts op by op through the methods
// (limit.AdmitEach), which know what to do then.
func (c *Counter) Admit(ctx context.Context, ops []limit.Op) {
	if !c.batch || c.closed.Load() || !c.Up() {
		limit.AdmitEach(ctx, c, ops)
		return
	}
	// The ops the script runs, and the outcomes of those it need not run
	// (an argument that can never be counted, a hold larger than any
	// limit), applied only if the admission reaches them.
	var (
		sent  = make([]int, 0, len(ops))
		local = make([]int, 0, 1)
		keys  = make([]string, 0, 3*len(ops))
		args  = make([]any, 1, 1+13*len(ops))
		ids   = make([]uint64, len(ops))
	)
	args[0] = c.scriptNow()
	end := len(ops)
	for i := range ops {
		op := &ops[i]
		if !op.IsHold() {
			r := op.Rate()
			width, err := slotWidth(r, op.N())
			if err != nil {
				op.Err = err
				local = append(local, i)
				continue
			}
			keys = append(keys, c.rateKey(op.Key()))
			args = append(args, "A", strconv.FormatInt(int64(r.Per), 10), width/1000, r.Limit, op.N())
			sent = append(sent, i)
			continue
		}
		q, n := op.Quota(), op.N()
		if n < 0 || n > maxExact {
			if n < 0 {
				op.Err = fmt.Errorf("%w: reserve %d", limit.ErrInvalid, n)
			} else {
				op.Reservation = limit.Reservation{Key: q.Key, Limit: q.Limit}
			}
			local = append(local, i)
			end = i + 1
			break
		}
		hold := op.Hold()
		if hold <= 0 {
			hold = limit.DefaultHold
		}
		ids[i] = rand.Uint64() | 1<<63
		keys = append(keys, c.quotaKeys(q.Key)...)
		args = append(args, "R", clampLimit(q.Limit), n, micros(hold), strconv.FormatUint(ids[i], 10))
		args = c.periodFields(args, q.Period)
		sent = append(sent, i)
	}
	// Until the script answers, no op is reached: the local outcomes
	// stay aside.
	outcomes := make([]limit.Op, len(local))
	for j, i := range local {
		outcomes[j] = ops[i]
		ops[i].Err, ops[i].Reservation = nil, limit.Reservation{}
	}
	reached := end - 1
	if len(sent) > 0 {
		res, err := admitScript.Run(ctx, c.hot, keys, args...).Int64Slice()
		if err = c.check(err); err != nil {
			if !c.Up() {
				limit.AdmitEach(ctx, c, ops)
				return
			}
			// Redis answered with an error: every op sent has it, and
			// the first hold stops the admission.
			for _, i := range sent {
				ops[i].Err = err
				if ops[i].IsHold() {
					return
				}
			}
			return
		}
		if len(res)%4 != 0 || len(res)/4 > len(sent) {
			err := fmt.Errorf("counters: admit.lua answered %v", res)
			for _, i := range sent {
				ops[i].Err = err
			}
			return
		}
		for j := range len(res) / 4 {
			i, r := sent[j], res[4*j:4*j+4]
			op := &ops[i]
			if op.IsHold() {
				op.Reservation, op.Err = reservation(op.Quota(), op.N(), ids[i], r)
			} else {
				op.Decision = decision(op.Rate(), r)
			}
			if op.Stops() {
				reached = i
				break
			}
		}
	}
	for j, i := range local {
		if i <= reached {
			ops[i].Err, ops[i].Reservation = outcomes[j].Err, outcomes[j].Reservation
		}
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
// On a Redis Cluster and while Redis is down it settles op by op
// (limit.SettleEach).
func (c *Counter) Settle(ctx context.Context, s *limit.Settlement) error {
	if !c.batch || c.closed.Load() || !c.Up() {
		return limit.SettleEach(ctx, c, s)
	}
	var (
		sent = make([]int, 0, len(s.Holds))
		keys = make([]string, 0, 3*len(s.Holds)+3)
		args = make([]any, 3, 3+len(s.Holds)+10)
	)
	args[0], args[1] = c.scriptNow(), "0"
	if s.Commit {
		args[1] = "1"
	}
	charge, amount := 0, int64(0)
	for i, r := range s.Holds {
		if !r.Granted || r.ID == 0 {
			// Nothing held (n == 0): nothing to settle.
			continue
		}
		sent = append(sent, i)
		keys = append(keys, c.quotaKeys(r.Key)...)
		args = append(args, strconv.FormatUint(r.ID, 10))
		if i == s.Charge && s.Commit {
			charge, amount = len(sent), r.N
		}
	}
	args[2] = len(sent)
	var hour int64
	if s.Count {
		k, u := s.UsageKey, s.Usage
		hour = floorDiv(c.clock.Now().UnixNano(), int64(time.Hour))
		keys = append(keys, c.usageKey(k.Pin, hour-1), c.usageKey(k.Pin, hour), c.usageKey(k.Pin, hour+1))
		args = append(args, hour-1, c.retention, usageField(k), u.Calls, u.OK, u.Charged, u.Business, charge, amount)
	}
	if len(sent) == 0 && !s.Count {
		return nil
	}
	res, err := finishScript.Run(ctx, c.hot, keys, args...).Int64Slice()
	if err == nil && len(res) != len(sent)+boolInt(s.Count) {
		err = fmt.Errorf("counters: finish.lua answered %v", res)
	}
	if err = c.check(err); err != nil {
		// Nothing settled that the caller may count on: a commit not
		// acknowledged is not taken (its hold expires), a release not
		// made expires too. Usage waits in this node while Redis is down,
		// as Add's does.
		var failed error
		if s.Commit && len(sent) > 0 {
			failed = err
		}
		for _, i := range sent {
			s.Holds[i].Granted = false
		}
		if s.Count {
			if c.Up() {
				return err
			}
			c.health.fallback.WithLabelValues("add").Inc()
			c.pending.addUsage(s.UsageKey, hour, s.Usage)
		}
		return failed
	}
	for j, i := range sent {
		if res[j] == 0 && s.Commit {
			// The hold expired before the call ended: not taken, and
			// the caller keeps the call.
			s.Holds[i].Granted = false
		}
	}
	if s.Count && res[len(sent)] < 0 {
		return errors.New("counters: finish.lua: skew")
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package rediscounter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Reserve implements limit.Counter with reserve.lua: in one step on
// Redis's clock, it starts a new period if the current one has ended,
// releases expired holds, checks used + held + n <= limit and records the
// hold. A hold's ID is random (64 bits): unlike a sequence, it can never
// name a hold of a quota that Redis forgot and began again.
//
// Limits and amounts must stay below 2^53 (what a Lua number holds
// exactly); a larger limit counts as 2^53, which no price reaches.
//
// While Redis is down, Reserve returns limit.ErrUnavailable: a quota is
// what a caller paid for, and a balance is money, neither counted on a
// node's own.
func (c *Counter) Reserve(ctx context.Context, q limit.Quota, n int64, hold time.Duration) (limit.Reservation, error) {
	if c.closed.Load() {
		return limit.Reservation{}, limit.ErrClosed
	}
	if n < 0 {
		return limit.Reservation{}, fmt.Errorf("%w: reserve %d", limit.ErrInvalid, n)
	}
	if n > maxExact {
		return limit.Reservation{Key: q.Key, Limit: q.Limit}, nil
	}
	if hold <= 0 {
		hold = limit.DefaultHold
	}
	if !c.Up() {
		return limit.Reservation{}, c.refuse("reserve")
	}
	id := rand.Uint64() | 1<<63 // never zero, and never mistaken for one
	args := make([]any, 0, 13)
	args = append(args, c.scriptNow(), clampLimit(q.Limit), n, micros(hold), strconv.FormatUint(id, 10))
	if c.ledgered(q.Key, q.Period) {
		if n > 0 && c.ledger.down.Load() {
			// A charge now could not be confirmed to its caller: refuse
			// the call before it reaches the backend.
			return limit.Reservation{}, fmt.Errorf("%w: the ledger does not take charges", limit.ErrUnavailable)
		}
		args = append(args, "L")
	} else {
		args = c.periodFields(args, q.Period)
	}
	res, err := reserveScript.Run(ctx, c.hot, c.quotaKeys(q.Key), args...).Int64Slice()
	if isSeed(err) {
		// Redis does not have the balance: it is what the ledger says.
		if err = c.seed(ctx, q.Key.ID); err != nil {
			// The ledger's failure, not Redis's: Redis stays up.
			return limit.Reservation{}, fmt.Errorf("%w: %w", limit.ErrUnavailable, err)
		}
		res, err = reserveScript.Run(ctx, c.hot, c.quotaKeys(q.Key), args...).Int64Slice()
	}
	if err = c.check(err); err != nil {
		return limit.Reservation{}, err
	}
	if len(res) != 3 {
		return limit.Reservation{}, fmt.Errorf("counters: reserve.lua answered %v", res)
	}
	return reservation(q, n, id, append(res, 0))
}

// periodFields appends the period's 8 fields of ARGV: "T" and 7 blanks, or
// "D" and the days around this node's clock, for the script to pick by
// Redis's.
func (c *Counter) periodFields(args []any, p limit.Period) []any {
	if p.Zone() == nil {
		return append(args, "T", "", "", "", "", "", "", "")
	}
	d := c.days.around(p, c.clock.Now())
	args = append(args, "D", d.start/1000)
	for i := range d.id {
		args = append(args, d.id[i], d.end[i]/1000)
	}
	return args
}

// Commit implements limit.Counter with settle.lua. A hold on a balance
// of record in the ledger is committed as a pending charge and queued
// for the ledger (ledger.go).
func (c *Counter) Commit(ctx context.Context, r limit.Reservation) error {
	if c.ledger != nil && r.Key.Scope == limit.BalanceScope {
		return c.commitCharge(ctx, r)
	}
	_, err := c.settle(ctx, r, true, "")
	return err
}

// Release implements limit.Counter with settle.lua.
func (c *Counter) Release(ctx context.Context, r limit.Reservation) error {
	_, err := c.settle(ctx, r, false, "")
	return err
}

// settle commits or releases r, and with a charge id remembers it in the
// quota's charges in the same step. It reports whether use changed.
func (c *Counter) settle(ctx context.Context, r limit.Reservation, commit bool, chargeID string) (bool, error) {
	if r.ID == 0 {
		return false, nil
	}
	if c.closed.Load() {
		return false, limit.ErrClosed
	}
	if !c.Up() {
		return false, c.refuse("settle")
	}
	keys := c.quotaKeys(r.Key)
	if chargeID != "" {
		keys = append(keys, keys[0]+":c")
	}
	flag := "0"
	if commit {
		flag = "1"
	}
	res, err := settleScript.Run(ctx, c.hot, keys, c.scriptNow(), strconv.FormatUint(r.ID, 10), flag, chargeID).Int64()
	if err = c.check(err); err != nil {
		return false, err
	}
	if res == 0 {
		return false, limit.ErrUnknownReservation
	}
	return res == 2, nil
}

// refuse counts a call refused because Redis is down and returns its
// error.
func (c *Counter) refuse(method string) error {
	c.health.refused.WithLabelValues(method).Inc()
	return fmt.Errorf("%w: redis is down", limit.ErrUnavailable)
}

// Charges: the admin API sells a package by writing a subscription in its
// store and charging the price here, and a crash between the two must
// leave both or neither (limit.Memory's CommitCharge). The quota's charges
// set holds the ids its commits made, written by the commit's own script;
// the charges hash maps each id to its quota, written before the commit,
// so that Charged finds the set of any charge that was made.

// CommitCharge commits r like Commit and remembers id as a charge made, in
// the same step: after a crash, either the quota's use includes r and
// Charged(id) is true, or neither.
func (c *Counter) CommitCharge(ctx context.Context, r limit.Reservation, id string) error {
	if r.ID != 0 && c.Up() {
		if err := c.check(c.rdb.HSet(ctx, c.prefix+"charges", id, c.prefix+"q:"+tag(r.Key)+":c").Err()); err != nil {
			return err
		}
	}
	_, err := c.settle(ctx, r, true, id)
	return err
}

// Charged reports whether CommitCharge committed a charge with this id
// that has not been forgotten. A Redis that does not answer is asked
// again for a few seconds; then the charge is reported not made.
func (c *Counter) Charged(id string) bool {
	for try := 0; ; try++ {
		made, err := c.charged(id)
		if err == nil || try == 10 {
			return made
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (c *Counter) charged(id string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	set, err := c.rdb.HGet(ctx, c.prefix+"charges", id).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.rdb.SIsMember(ctx, set, id).Result()
}

// ChargeIDs returns the ids of the charges remembered, in no order.
func (c *Counter) ChargeIDs() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ids, _ := c.rdb.HKeys(ctx, c.prefix+"charges").Result()
	return ids
}

// ForgetCharge stops remembering the charge id: the other store has
// settled it.
func (c *Counter) ForgetCharge(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	set, err := c.rdb.HGet(ctx, c.prefix+"charges", id).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return c.check(err)
	}
	if err := c.rdb.SRem(ctx, set, id).Err(); err != nil {
		return c.check(err)
	}
	return c.check(c.rdb.HDel(ctx, c.prefix+"charges", id).Err())
}

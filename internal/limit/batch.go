package limit

import (
	"context"
	"errors"
	"time"
)

// A call's admission counts several things one after the other — its rate
// limits, then its quota holds — and its end settles its holds and adds its
// usage. Admit and Settle do each as one request to a Counter: a Batcher
// (the Redis engine) makes it one round trip and one script instead of one
// per limit; any other Counter (Memory) is called once per operation, to
// the same effect. The gateway calls only these two, whatever the engine.

// Batcher is implemented by a Counter that counts an admission or a
// settlement in one step. Its methods behave as AdmitEach and SettleEach
// do with the Counter's own methods.
type Batcher interface {
	Admit(ctx context.Context, ops []Op)
	Settle(ctx context.Context, s *Settlement) error
}

// Op is one operation of an admission: a rate limit to take calls from
// (AllowOp) or a quota to hold (ReserveOp). Admit fills in its outcome.
type Op struct {
	hold bool
	key  Key
	rate Rate
	// quota and hold duration of a ReserveOp
	quota Quota
	dur   time.Duration
	n     int64

	// Decision is a rate limit's outcome, Reservation a hold's; each is
	// valid when Err is nil and the op was reached (no op before it was
	// refused, and no hold before it failed).
	Decision    Decision
	Reservation Reservation
	// Err is the op's error, as the Counter method would have returned it.
	Err error
}

// AllowOp is Allow(ctx, k, r, n) as an operation of an admission.
func AllowOp(k Key, r Rate, n int64) Op { return Op{key: k, rate: r, n: n} }

// ReserveOp is Reserve(ctx, q, n, hold) as an operation of an admission.
func ReserveOp(q Quota, n int64, hold time.Duration) Op {
	return Op{hold: true, key: q.Key, quota: q, n: n, dur: hold}
}

// IsHold reports whether op is a ReserveOp.
func (op *Op) IsHold() bool { return op.hold }

// Key returns the counter the op counts under.
func (op *Op) Key() Key { return op.key }

// Rate returns a rate limit's rate.
func (op *Op) Rate() Rate { return op.rate }

// Quota returns a hold's quota.
func (op *Op) Quota() Quota { return op.quota }

// N returns the calls or units the op takes.
func (op *Op) N() int64 { return op.n }

// Hold returns a hold's duration (zero: DefaultHold).
func (op *Op) Hold() time.Duration { return op.dur }

// Refused reports whether the op, reached and without error, was refused:
// a rate limit that did not allow its calls, a hold not granted.
func (op *Op) Refused() bool {
	if op.Err != nil {
		return false
	}
	if op.hold {
		return !op.Reservation.Granted
	}
	return !op.Decision.Allowed
}

// Stops reports whether the op ends an admission: refused, or a hold that
// failed. A rate limit that failed does not: the caller decides what a
// limit it could not count means, and the limits after it still count.
func (op *Op) Stops() bool { return op.Refused() || (op.hold && op.Err != nil) }

// Admit counts ops in order, as one step where c is a Batcher: each rate
// limit takes its calls if they fit, each hold is reserved, and the first
// op that Stops ends the admission — the ops after it are not counted,
// and are left as they were. The ops before it stay counted: a counter
// has no undo, and a hold granted is the caller's to release.
func Admit(ctx context.Context, c Counter, ops []Op) {
	if b, ok := c.(Batcher); ok {
		b.Admit(ctx, ops)
		return
	}
	AdmitEach(ctx, c, ops)
}

// AdmitEach is Admit through c's methods, one call per op: what a Counter
// that cannot batch does, and what a Batcher does when it cannot (the Redis
// engine while Redis is down, or on a Redis Cluster, whose scripts cannot
// span keys of several slots).
func AdmitEach(ctx context.Context, c Counter, ops []Op) {
	for i := range ops {
		op := &ops[i]
		if op.hold {
			op.Reservation, op.Err = c.Reserve(ctx, op.quota, op.n, op.dur)
		} else {
			op.Decision, op.Err = c.Allow(ctx, op.key, op.rate, op.n)
		}
		if op.Stops() {
			return
		}
	}
}

// Settlement is what a call's end counts: its holds committed or
// released, then its usage.
type Settlement struct {
	// Holds are the call's reservations. Those Granted are committed
	// when Commit, released otherwise. A hold whose commit fails is left
	// not Granted: it was not taken.
	Holds  []Reservation
	Commit bool
	// Count adds Usage under UsageKey once the holds are settled.
	Count    bool
	UsageKey UsageKey
	Usage    Usage
	// Charge, when at least 0, names the hold whose amount is the call's
	// charge: with Commit, it is added to Usage.Charged if that hold was
	// committed, so that usage never shows a charge that was not taken.
	Charge int
}

// Settle settles s, as one step where c is a Batcher. It returns the first
// error that leaves the call's counts short: of a commit (but
// ErrUnknownReservation, a hold that expired: the caller keeps that call),
// or of the usage. Releases' errors are not returned: a hold not released
// expires.
func Settle(ctx context.Context, c Counter, s *Settlement) error {
	if b, ok := c.(Batcher); ok {
		return b.Settle(ctx, s)
	}
	return SettleEach(ctx, c, s)
}

// SettleEach is Settle through c's methods, one call per hold and one for
// the usage.
func SettleEach(ctx context.Context, c Counter, s *Settlement) error {
	var failed error
	for i := range s.Holds {
		r := &s.Holds[i]
		if !r.Granted {
			continue
		}
		if !s.Commit {
			c.Release(ctx, *r)
			continue
		}
		if err := c.Commit(ctx, *r); err != nil {
			r.Granted = false
			if failed == nil && !errors.Is(err, ErrUnknownReservation) {
				failed = err
			}
		}
	}
	if !s.Count {
		return failed
	}
	if err := c.Add(ctx, s.UsageKey, s.charged()); err != nil && failed == nil {
		failed = err
	}
	return failed
}

// charged returns the usage to add once the holds are settled: with the
// charge, if its hold was committed.
func (s *Settlement) charged() Usage {
	u := s.Usage
	if s.Commit && s.Charge >= 0 && s.Charge < len(s.Holds) && s.Holds[s.Charge].Granted {
		u.Charged += s.Holds[s.Charge].N
	}
	return u
}

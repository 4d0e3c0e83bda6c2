package gateway

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// settle settles the call's reservations and counts its usage, whatever
// became of it. A call succeeded when it reached the backend, the backend
// answered 2xx and nothing failed on the way back: then every reservation
// is committed. Anything else — a refusal at any stage, a backend error
// or non-2xx answer, a client gone mid-answer — releases them: a caller
// is never charged for a failure, the gateway's or the backend's.
//
// In the market dialect the answer is held back until the call has been
// settled (see proxyWrapped), which settles it first; this stage then has
// nothing left to do.
func (g *Gateway) settle(c *Call) error {
	return g.settleAs(c, c.proxied && c.Err == nil && is2xx(c.Result.Status))
}

// settleAs settles the call once, as a success if ok, in one request to
// the counter (limit.Settle: one round trip on Redis). Every call that
// reached the proxy stage is counted as usage: one call, OK if it
// succeeded, and what it was charged. Before the caller is told a call
// succeeded, its counts are made to survive a crash: of the machine
// (Sync) when it was billed (a paid package or a pay-per-call plan), of
// the process (Flush) otherwise. An error returned means that could not
// be done, and the caller must not be told of a success: 503 when the
// counters' server is down (a charge not committed is not taken; its hold
// expires), 500 when the gateway failed.
//
// Settling uses a context of its own: a client that went away must not
// stop its holds being released, or a success being counted.
func (g *Gateway) settleAs(c *Call, ok bool) error {
	if c.settled {
		return nil
	}
	c.settled = true
	ctr := g.cfg.Counter
	ctx := context.Background()
	// A hold that expired before the call ended is simply not counted:
	// the caller keeps that call. The balance hold is the call's charge,
	// in usage only if it was committed.
	s := &c.settlement
	*s = limit.Settlement{Holds: c.holds[:], Commit: ok, Charge: holdBalance}
	// A debug call is never counted: it is nobody's use of the API.
	counted := c.proxied && c.debug == nil
	if counted {
		s.Count = true
		s.Usage = limit.Usage{Calls: 1}
		if c.business {
			s.Usage.Business = 1
		}
		if ok {
			s.Usage.OK = 1
		}
		s.UsageKey = limit.UsageKey{Group: c.Env.Group.ID, API: c.API.ID, Env: string(c.Env.Environment)}
		if c.Caller != nil {
			s.UsageKey.AccessKey, s.UsageKey.Pin = c.Caller.AccessKey, c.Caller.Pin
		}
	}
	failed := limit.Settle(ctx, ctr, s)
	if !ok {
		// A failed call's usage and releases are best effort: nothing
		// the caller is told depends on them.
		failed = nil
	}
	h := &c.holds
	if sub := c.Sub; ok && sub != nil && sub.PricePerCall > 0 {
		if sub.PayPerCall() {
			c.charged = h[holdBalance].Granted
		} else {
			c.charged = h[holdTotal].Granted
		}
	}
	if failed == nil {
		switch {
		case c.charged:
			failed = ctr.Sync(ctx)
		case ok && counted:
			// Counted, not charged: surviving the process is enough.
			failed = ctr.Flush(ctx)
		}
	}
	if failed != nil {
		return counterFailed(failed)
	}
	return nil
}

// holds are a call's reservations, each settled once: a daily and a total
// quota of calls, and a balance hold of the price of one call.
type holds [3]limit.Reservation

// The holds of a call, by index.
const (
	holdDaily = iota
	holdTotal
	holdBalance
)

func is2xx(status int) bool { return status >= 200 && status < 300 }

package gateway

import (
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// quota reserves one call of each of the call's quotas that is set: the
// day's (DailyQuotaExceeded, with Retry-After the time until the local
// midnight that starts the next day) and then the total
// (TotalQuotaExceeded). A reservation is committed only when the call
// succeeds and released otherwise (see settle); settle releases the daily
// hold of a call the total quota refuses, and any balance hold.
//
// A counter that fails to reserve refuses the call with Busy: a quota
// is what a caller paid for or a publisher granted, and letting calls
// through uncounted would give it away.
func (g *Gateway) quota(c *Call) error {
	q := c.Quotas
	if !q.Any() {
		return nil
	}
	ctx := c.R.Context()
	if q.Daily.Limit > 0 {
		r, err := g.cfg.Counter.Reserve(ctx, q.Daily, 1, 0)
		if err != nil {
			return errcode.Wrap(errcode.Busy, err)
		}
		if !r.Granted {
			c.W.Header()["Retry-After"] = []string{strconv.FormatInt(ceilSeconds(r.Reset, 1), 10)}
			return errcode.New(errcode.DailyQuotaExceeded, "")
		}
		c.holds.daily = r
	}
	if q.Total.Limit > 0 {
		r, err := g.cfg.Counter.Reserve(ctx, q.Total, 1, 0)
		if err != nil {
			return errcode.Wrap(errcode.Busy, err)
		}
		if !r.Granted {
			return errcode.New(errcode.TotalQuotaExceeded, "")
		}
		c.holds.total = r
	}
	return nil
}

// remain is what is left of the caller's allowance once the call is
// counted, as the market envelope's remain tells it: the call package's
// remaining calls when there is one, else the day's, else for a
// pay-per-call plan how many more calls the balance pays for; -1 when
// nothing limits the calls. Each is read when the call's hold was taken,
// so calls running at the same time may have used some of it since.
func (c *Call) remain() int64 {
	switch h := &c.holds; {
	case h.total.Granted:
		return h.total.Remaining
	case h.daily.Granted:
		return h.daily.Remaining
	case h.balance.Granted && h.balance.N > 0:
		return h.balance.Remaining / h.balance.N
	}
	return -1
}

package gateway

import (
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
)

// quota takes the outcome of the holds traffic reserved, one call of each
// of the call's quotas that is set: the day's (DailyQuotaExceeded, with
// Retry-After the time until the local midnight that starts the next day)
// and then the total (TotalQuotaExceeded). A reservation is committed only
// when the call succeeds and released otherwise (see settle); settle
// releases the daily hold of a call the total quota refuses, and any
// balance hold.
//
// A counter that fails to reserve refuses the call with Busy: a quota
// is what a caller paid for or a publisher granted, and letting calls
// through uncounted would give it away.
func (g *Gateway) quota(c *Call, ops []limit.Op) error {
	for i := range ops {
		op := &ops[i]
		if op.Err != nil {
			return errcode.Wrap(errcode.Busy, op.Err)
		}
		r := op.Reservation
		daily := op.Quota().Period != limit.Total
		if !r.Granted {
			if daily {
				c.W.Header()["Retry-After"] = []string{strconv.FormatInt(ceilSeconds(r.Reset, 1), 10)}
				return errcode.New(errcode.DailyQuotaExceeded, "")
			}
			return errcode.New(errcode.TotalQuotaExceeded, "")
		}
		if daily {
			c.holds[holdDaily] = r
		} else {
			c.holds[holdTotal] = r
		}
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
	case h[holdTotal].Granted:
		return h[holdTotal].Remaining
	case h[holdDaily].Granted:
		return h[holdDaily].Remaining
	case h[holdBalance].Granted && h[holdBalance].N > 0:
		return h[holdBalance].Remaining / h[holdBalance].N
	}
	return -1
}

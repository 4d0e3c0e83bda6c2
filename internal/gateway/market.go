package gateway

import "github.com/tollgate-gw/tollgate/internal/errcode"

// market admits a call to a group that sells plans by the caller's
// subscription: the caller's account must hold one (NotSubscribed), and
// for a pay-per-call plan its balance must pay for one call, which is
// reserved here (NoBalance) and charged only if the call succeeds (see
// settle). A group of auth type none has no caller to subscribe: it is
// refused too, so that a plan on sale is never given away.
//
// A counter that fails to reserve refuses the call with Busy: money is
// never let through uncounted, unlike a rate limit.
func (g *Gateway) market(c *Call) error {
	m := c.Env.Market
	if m == nil {
		return nil
	}
	if c.Caller == nil {
		return errcode.New(errcode.NotSubscribed, "")
	}
	sub, ok := m.Subscription(c.Caller.Pin)
	if !ok {
		return errcode.New(errcode.NotSubscribed, "")
	}
	c.Sub, c.Quotas = sub, &sub.Quotas
	if !sub.PayPerCall() {
		return nil
	}
	r, err := g.cfg.Counter.Reserve(c.R.Context(), sub.Balance, sub.PricePerCall, 0)
	if err != nil {
		return errcode.Wrap(errcode.Busy, err)
	}
	if !r.Granted {
		return errcode.New(errcode.NoBalance, "")
	}
	c.holds[holdBalance] = r
	return nil
}

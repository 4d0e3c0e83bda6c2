package gateway

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
)

// DefaultAPIQPS is what `tollgate serve` limits each API of a group
// environment with no traffic policy to, per second, from every caller
// together, unless --default-api-qps says otherwise.
const DefaultAPIQPS = 500

// traffic applies the traffic policy bound to the group environment, or
// the gateway's default limit when none is, to the matched API. In this
// order, each a sliding window (limit.Counter.Allow) over the policy's
// unit:
//
//   - the access key's calls to the API, at most the policy's KeyLimit
//     (errcode.RateLimited);
//   - the account's (pin's) calls to the API, at most UserLimit
//     (errcode.RateLimited);
//   - everyone's calls to the API, at most APILimit
//     (errcode.ClusterRateLimited);
//   - on a market group, the subscription's calls, at most its plan's QPS
//     (errcode.RateLimited).
//
// Then the call's quotas are reserved (see quota).
//
// A call without a caller (a group of auth type none) and a group with the
// default limit are counted per API only. A call refused by one limit is
// not counted by the ones after it; it stays counted by those before it
// (a counter has no undo), so a caller who keeps calling a saturated API
// uses up their own allowance too.
//
// The answer carries RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset (seconds until a counted call leaves the window) of the
// tightest limit applied — the refusing one on a refusal, otherwise the
// one with the fewest calls remaining — and, on a refusal, Retry-After
// (seconds until the call would fit).
//
// A counter that fails lets the call through on that limit: limits protect
// backends, and refusing every call while a counter is away would be the
// outage they are there to prevent. Quotas are not rate limits: a counter
// that fails on them refuses the call (see quota).
//
// The limits and the quota holds are counted in one request to the counter
// (limit.Admit: one round trip on Redis), which stops at the first refusal
// as the stages would.
func (g *Gateway) traffic(c *Call) error {
	t := c.Env.Traffic
	lim := &c.API.Limits
	ops := c.ops[:0]
	// refusal is the condition each limit refuses with.
	var refusal [4]*errcode.Condition
	add := func(k limit.Key, r limit.Rate, cond *errcode.Condition) {
		refusal[len(ops)] = cond
		ops = append(ops, limit.AllowOp(k, r, 1))
	}
	apiRate := g.defaultRate
	if t != nil {
		apiRate = t.API
		if k := c.Caller; k != nil {
			add(limit.Key{Scope: lim.KeyScope, ID: k.AccessKey}, t.Key, errcode.RateLimited)
			add(limit.Key{Scope: lim.UserScope, ID: k.Pin}, t.User, errcode.RateLimited)
		}
	}
	if apiRate.Limit > 0 {
		add(lim.API, apiRate, errcode.ClusterRateLimited)
	}
	if s := c.Sub; s != nil && s.Rate.Limit > 0 {
		add(s.RateKey, s.Rate, errcode.RateLimited)
	}
	limits := len(ops)
	if q := c.Quotas; q.Any() {
		if q.Daily.Limit > 0 {
			ops = append(ops, limit.ReserveOp(q.Daily, 1, 0))
		}
		if q.Total.Limit > 0 {
			ops = append(ops, limit.ReserveOp(q.Total, 1, 0))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	limit.Admit(c.R.Context(), g.cfg.Counter, ops)

	var (
		best limit.Decision
		have bool
	)
	for i := range ops[:limits] {
		op := &ops[i]
		if op.Err != nil {
			continue
		}
		d := op.Decision
		if !d.Allowed {
			return g.refuse(c, d, refusal[i])
		}
		if !have || d.Remaining < best.Remaining || (d.Remaining == best.Remaining && d.Limit < best.Limit) {
			best, have = d, true
		}
	}
	if have {
		rateHeaders(c.W.Header(), best)
	}
	return g.quota(c, ops[limits:])
}

// refuse answers a call over a limit: the limit's headers, Retry-After,
// and cond.
func (g *Gateway) refuse(c *Call, d limit.Decision, cond *errcode.Condition) error {
	h := c.W.Header()
	rateHeaders(h, d)
	h["Retry-After"] = []string{strconv.FormatInt(ceilSeconds(d.RetryAfter, 1), 10)}
	return errcode.New(cond, "")
}

// rateHeaders sets the RateLimit headers of d with two allocations: the
// three numbers are formatted into one string, and the three values share
// one backing array.
func rateHeaders(h http.Header, d limit.Decision) {
	var buf [64]byte
	b := strconv.AppendInt(buf[:0], d.Limit, 10)
	i := len(b)
	b = strconv.AppendInt(b, d.Remaining, 10)
	j := len(b)
	b = strconv.AppendInt(b, ceilSeconds(d.Reset, 0), 10)
	s := string(b)
	v := make([]string, 3)
	v[0], v[1], v[2] = s[:i], s[i:j], s[j:]
	h["Ratelimit-Limit"] = v[0:1:1]
	h["Ratelimit-Remaining"] = v[1:2:2]
	h["Ratelimit-Reset"] = v[2:3:3]
}

// ceilSeconds rounds d up to whole seconds, at least min.
func ceilSeconds(d time.Duration, min int64) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < min {
		return min
	}
	return s
}

package gateway

import (
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
)

// replay refuses a request whose signature is not of now, or that was
// already served. The window W is the group's (300 s by default):
//
//   - a signing time more than W away from now, either way, is expired;
//   - an expiry (Zenith) that has passed is expired, and so is one more
//     than W ahead, so that a signature cannot be made to last for ever;
//   - a nonce is accepted once per key. It is remembered for 2W: a request
//     signed at t is acceptable from t-W to t+W, so a nonce first seen at
//     any time in that span is still remembered at its end, and can never
//     be replayed while its timestamp is acceptable.
//
// Schemes without a nonce (AWS4, TC3, Zenith, the market app key) can be
// replayed inside the window: they give the gateway nothing to tell a
// replay from a new request by. A presigned URL has its own period
// (presignedFresh).
func (g *Gateway) replay(c *Call) error {
	a := &c.Env.Auth
	if a.None() {
		return nil
	}
	res := &c.Auth
	w := a.Window
	if res.Presigned {
		return presignedFresh(c.Now, res, w)
	}
	if !res.SignedAt.IsZero() {
		if d := c.Now.Sub(res.SignedAt); d > w || d < -w {
			return errcode.Newf(errcode.AuthExpired, "the request was signed %s from the gateway's time, more than the %s allowed", abs(d).Round(time.Second), w)
		}
	}
	if !res.Expires.IsZero() {
		switch {
		case c.Now.After(res.Expires):
			return errcode.Newf(errcode.AuthExpired, "the signature expired %s ago", c.Now.Sub(res.Expires).Round(time.Second))
		case res.Expires.Sub(c.Now) > w:
			return errcode.Newf(errcode.AuthExpired, "the signature expires more than %s from now", w)
		}
	}
	if res.Nonce == "" {
		return nil
	}
	fresh, err := g.cfg.Counter.Once(c.R.Context(), limit.Key{Scope: res.AccessKey, ID: res.Nonce}, 2*w)
	switch {
	case err != nil && !fresh:
		// The nonce store did not answer: refuse rather than let a
		// replay through (503 when its server is down). A fresh answer
		// with an error is the truth with a journal failure beside it:
		// the nonce is remembered.
		return counterFailed(err)
	case !fresh:
		return errcode.New(errcode.NonceReused, "")
	}
	return nil
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

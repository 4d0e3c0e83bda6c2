package gateway

import (
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy"
)

// proxy answers the call from the group environment's backend: a mock
// from memory, or an upstream pool over the network.
func (g *Gateway) proxy(c *Call) error {
	b := c.Env.Backend
	switch {
	case b == nil:
		c.upstreamErr = true
		return errcode.Newf(errcode.Unavailable, "no backend configured for %s", c.Env.Environment)
	case b.Mock != nil:
		res, err := b.Mock.Serve(c.W, c.R)
		c.Result = res
		return err
	}
	res, err := b.Pool.Forward(c.W, c.R, proxy.Outbound{
		Method:    c.API.UpstreamMethod(c.R.Method),
		Path:      c.API.UpstreamPath(c.pathBuf, c.Match, c.Path),
		RequestID: c.RequestID,
	})
	c.Result = res
	if err != nil && !errcode.Has(err, errcode.Cancelled) && !errcode.Has(err, errcode.RequestTooLarge) {
		c.upstreamErr = true
	}
	return err
}

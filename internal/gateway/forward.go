package gateway

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy"
)

// proxy answers the call from the group environment's backend: a mock
// from memory, or an upstream pool over the network. The answer streams
// to the client through a settlingWriter, which settles the call when the
// status arrives, but in the market dialect, where it is held back to be
// wrapped (see proxyWrapped). Either way the call is sent upstream once:
// whatever it reserved at admission is settled once, after it.
func (g *Gateway) proxy(c *Call) error {
	c.proxied = true
	b := c.Env.Backend
	if b == nil {
		c.upstreamErr = true
		return errcode.Newf(errcode.Unavailable, "no backend configured for %s", c.Env.Environment)
	}
	if c.Env.Group.Dialect == errcode.DialectMarket {
		return g.proxyWrapped(c)
	}
	c.sw = settlingWriter{ResponseWriter: c.W, g: g, c: c}
	err := g.forward(c, &c.sw)
	if c.sw.err != nil {
		// Nothing reached the client: the edge can answer.
		c.Result.Status, c.Result.BytesOut, c.Result.Started = 0, 0, false
		c.upstreamErr = false
		return c.sw.err
	}
	return err
}

// forward sends the call to the backend and has it answer on w.
func (g *Gateway) forward(c *Call, w http.ResponseWriter) error {
	b := c.Env.Backend
	if b.Mock != nil {
		res, err := b.Mock.Serve(w, c.R)
		c.Result = res
		return err
	}
	res, err := b.Pool.Forward(w, c.R, proxy.Outbound{
		Method:    c.API.UpstreamMethod(c.R.Method),
		Path:      c.API.UpstreamPath(c.pathBuf, c.Match, c.Path),
		RequestID: c.RequestID,
	})
	c.Result = res
	if be := c.body.failed(); err != nil && be != nil {
		// The client's body failed the upload: not the backend's fault.
		return be
	}
	if err != nil && !errcode.Has(err, errcode.Cancelled) && !errcode.Has(err, errcode.RequestTooLarge) {
		c.upstreamErr = true
	}
	return err
}

package gateway

import (
	"net/http"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy"
)

// proxy answers the call from the group environment's backend: a mock
// from memory, or an upstream pool over the network. The answer streams
// to the client through a settlingWriter, which settles the call when the
// status arrives, but in the market dialect, where it is held back to be
// wrapped (see proxyWrapped). Either way the call is sent upstream once:
// whatever it reserved at admission is settled once, after it. A gRPC or
// WebSocket API is never wrapped, not even in the market dialect, as the
// envelope would break its framing: it is settled, and charged, by its
// status as any streamed answer is; a WebSocket handshake that the API
// admits is tunnelled (see upgrade), while an Upgrade header on any other
// API is dropped as hop-by-hop and the call goes on as plain HTTP.
func (g *Gateway) proxy(c *Call) error {
	c.proxied = true
	b := c.Env.Backend
	if b == nil {
		c.upstreamErr = true
		return errcode.Newf(errcode.Unavailable, "no backend configured for %s", c.Env.Environment)
	}
	if c.Env.Group.Dialect == errcode.DialectMarket && !c.API.GRPC && !c.API.WebSocket {
		return g.proxyWrapped(c)
	}
	if c.API.Rules.ChecksResponses() && !c.API.GRPC && !c.API.WebSocket {
		return g.proxyChecked(c)
	}
	c.sw = settlingWriter{ResponseWriter: c.W, g: g, c: c}
	var err error
	if c.API.WebSocket && proxy.IsWebSocketUpgrade(c.R) {
		err = g.upgrade(c, &c.sw)
	} else {
		err = g.forward(c, &c.sw)
	}
	if c.sw.err != nil || c.raised != nil {
		// Nothing reached the client: the edge can answer.
		c.Result.Status, c.Result.BytesOut, c.Result.Started = 0, 0, false
		c.upstreamErr = false
		if c.sw.err != nil {
			return c.sw.err
		}
		return c.raised
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
		HTTP2:     c.API.GRPC,
	})
	c.Result = res
	if err == nil {
		return nil
	}
	be := c.body.failed()
	if be == nil && errcode.Has(err, errcode.Cancelled) {
		be = c.body.overdue(time.Now())
	}
	if be != nil {
		// The client's body failed the upload: not the backend's fault.
		return be
	}
	if err != nil && !errcode.Has(err, errcode.Cancelled) && !errcode.Has(err, errcode.RequestTooLarge) {
		c.upstreamErr = true
	}
	return err
}

package gateway

import (
	"net/http"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy"
)

// Defaults of the WebSocket tunnel limits (Config.WebSocketIdleTimeout
// and WebSocketMaxDuration), those of a common cloud API gateway: a
// client that pings every few minutes keeps its connection, one that
// stays for hours reconnects.
const (
	DefaultWebSocketIdleTimeout = 10 * time.Minute
	DefaultWebSocketMaxDuration = 2 * time.Hour
)

// upgrade answers a call of a WebSocket API that asks to switch to the
// WebSocket protocol. It comes after the whole pipeline, so the handshake
// is authenticated, authorized, limited and held against its quotas as
// one call. When the backend agrees (101), the call is settled as a
// success before the client hears of it; then the connection is
// tunnelled both ways within the gateway's idle and duration limits, and
// the proxy stage returns only once the tunnel has closed (so that the
// access log shows its length and bytes). A backend that does not agree
// answers as it would any call, through w. A mock backend cannot switch:
// it answers the handshake as any call.
func (g *Gateway) upgrade(c *Call, w http.ResponseWriter) error {
	b := c.Env.Backend
	if b.Mock != nil {
		return g.forward(c, w)
	}
	res, err := b.Pool.Upgrade(w, c.R, proxy.Outbound{
		Method:    c.API.UpstreamMethod(c.R.Method),
		Path:      c.API.UpstreamPath(c.pathBuf, c.Match, c.Path),
		RequestID: c.RequestID,
	}, proxy.Tunnel{
		Idle:   g.wsIdle,
		Max:    g.wsMax,
		Switch: func() error { return g.settleAs(c, true) },
		Done:   g.closing,
	})
	c.Result = res
	c.BytesIn += res.BytesIn
	if err != nil && !errcode.Has(err, errcode.Cancelled) && !errcode.Has(err, errcode.Internal) {
		c.upstreamErr = true
	}
	if res.Status == http.StatusSwitchingProtocols {
		// The call ended well, whatever closed the tunnel: it was
		// settled at the switch. A tunnel's life is not a stage's
		// time: the call stops being timed.
		c.clock = nil
		return nil
	}
	return err
}

// CloseTunnels closes every WebSocket tunnel, now and from now on: the
// server's shutdown does not wait for hijacked connections, so it calls
// this (http.Server.RegisterOnShutdown) to end them.
func (g *Gateway) CloseTunnels() {
	g.closeOnce.Do(func() { close(g.closing) })
}

package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// IsWebSocketUpgrade reports whether r asks to switch to the WebSocket
// protocol: an HTTP/1.1 GET with "Connection: Upgrade" and "Upgrade:
// websocket" (RFC 6455, 4.1). WebSocket over HTTP/2 (RFC 8441's extended
// CONNECT) is not one.
func IsWebSocketUpgrade(r *http.Request) bool {
	return r.ProtoMajor == 1 && r.Method == http.MethodGet &&
		headerHasToken(r.Header["Connection"], "upgrade") &&
		headerHasToken(r.Header["Upgrade"], "websocket")
}

// headerHasToken reports whether the comma-separated values vv list
// token, ignoring case.
func headerHasToken(vv []string, token string) bool {
	for _, v := range vv {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(f), token) {
				return true
			}
		}
	}
	return false
}

// Tunnel bounds the connection of a call that switched protocols, and
// says when it may switch.
type Tunnel struct {
	// Idle closes the tunnel once no byte went either way for this long;
	// 0 never does.
	Idle time.Duration
	// Max closes the tunnel this long after the switch, busy or not; 0
	// never does.
	Max time.Duration
	// Switch, if not nil, is called once the backend agreed to switch and
	// before the client hears of it. An error refuses the switch: the
	// backend's connection is closed, nothing reaches the client, and
	// Upgrade returns the error.
	Switch func() error
	// Done, when closed, closes the tunnel (the server shutting down).
	Done <-chan struct{}
}

// upgradeConnection is the Connection header of a request or answer that
// switches protocols.
var upgradeConnection = []string{"Upgrade"}

// Upgrade sends r, a request to switch to the WebSocket protocol (see
// IsWebSocketUpgrade), to the pool's next healthy target, as Forward sends
// a call, but keeping its Upgrade header. When the backend answers 101
// Switching Protocols, Upgrade asks tn.Switch, hands the 101 to the client
// on the hijacked connection and copies bytes both ways until either side
// closes, the tunnel has been idle for tn.Idle or open for tn.Max, or
// tn.Done is closed; then it closes both connections. Any other answer
// reaches the client as Forward would pass it on. res.BytesOut counts the
// bytes the backend sent through the tunnel, res.BytesIn the client's.
//
// The connection is dialled by the pool's http.Transport (Transport
// unless the pool was given one), the same dialer as every other
// upstream call; round robin and passive health apply as for Forward.
// Errors are Forward's; an error after the switch is only for the log.
func (p *Pool) Upgrade(w http.ResponseWriter, r *http.Request, o Outbound, tn Tunnel) (res Result, err error) {
	t := p.pick()
	if t == nil {
		return res, errcode.Newf(errcode.Unavailable, "no usable target among %d", len(p.targets))
	}
	x := new(exchange)
	// The context lives as long as the tunnel: the transport ties the
	// handshake to it, and nothing cancels it but the header timeout.
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	out := r.WithContext(ctx)
	p.prepare(x, out, r, t, o)
	out.Header["Connection"] = upgradeConnection
	out.Header["Upgrade"] = r.Header["Upgrade"]
	out.Body = nil // a handshake has no body; the tunnel carries the rest

	timer := time.AfterFunc(p.timeout, func() { cancel(errHeaderTimeout) })
	start := time.Now()
	resp, err := p.roundTripper().RoundTrip(out)
	fired := !timer.Stop()
	res.Upstream = time.Since(start)
	if err == nil && fired {
		resp.Body.Close()
		err = errHeaderTimeout
	}
	if err := p.judge(ctx, r, t, err); err != nil {
		return res, err
	}
	defer resp.Body.Close()

	dst := w.Header()
	copyEndToEnd(dst, resp.Header)
	if o.RequestID != "" {
		dst["X-Request-Id"] = x.vals[2:3:3]
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		// The backend would not switch: its answer is an ordinary one.
		w.WriteHeader(resp.StatusCode)
		res.Status, res.Started = resp.StatusCode, true
		res.BytesOut, err = copyBody(w, resp, r)
		return res, err
	}
	backend, ok := resp.Body.(io.ReadWriteCloser)
	if !ok || !headerHasToken(resp.Header["Upgrade"], "websocket") {
		return res, errcode.Newf(errcode.BadGateway, "the backend switched to %q, not websocket", resp.Header.Get("Upgrade"))
	}
	if tn.Switch != nil {
		if err := tn.Switch(); err != nil {
			return res, err
		}
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return res, errcode.Wrap(errcode.Internal, err)
	}
	defer conn.Close()
	// The server's read and write deadlines no longer apply: the tunnel
	// has its own limits.
	conn.SetDeadline(time.Time{})
	dst["Connection"] = upgradeConnection
	dst["Upgrade"] = resp.Header["Upgrade"]
	switched := &http.Response{StatusCode: http.StatusSwitchingProtocols, ProtoMajor: 1, ProtoMinor: 1, Header: dst}
	res.Status, res.Started = http.StatusSwitchingProtocols, true
	if err := switched.Write(brw); err != nil {
		return res, errcode.Wrap(errcode.Cancelled, err)
	}
	if err := brw.Flush(); err != nil {
		return res, errcode.Wrap(errcode.Cancelled, err)
	}
	res.BytesIn, res.BytesOut = runTunnel(conn, brw.Reader, backend, tn)
	return res, nil
}

// runTunnel copies client's bytes (read through fromClient, which holds
// what the server had already buffered) to backend and backend's to
// client until either side closes or tn's limits close both. It returns
// the bytes copied each way.
func runTunnel(client net.Conn, fromClient *bufio.Reader, backend io.ReadWriteCloser, tn Tunnel) (up, down int64) {
	var closeOnce sync.Once
	done := make(chan struct{})
	closeBoth := func() {
		closeOnce.Do(func() {
			close(done)
			client.Close()
			backend.Close()
		})
	}
	var last atomic.Int64 // unix nanoseconds of the last byte either way
	last.Store(time.Now().UnixNano())
	go watchTunnel(tn, &last, done, closeBoth)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		up = copyTunnel(backend, fromClient, &last)
		closeBoth()
	}()
	down = copyTunnel(client, backend, &last)
	closeBoth()
	wg.Wait()
	return up, down
}

// watchTunnel closes the tunnel (calls closeBoth) once it has been idle
// for tn.Idle, judged by last, or open for tn.Max, or when tn.Done is
// closed. It returns then, or when done is closed.
func watchTunnel(tn Tunnel, last *atomic.Int64, done <-chan struct{}, closeBoth func()) {
	var idle, max <-chan time.Time
	var idleTimer *time.Timer
	if tn.Idle > 0 {
		idleTimer = time.NewTimer(tn.Idle)
		defer idleTimer.Stop()
		idle = idleTimer.C
	}
	if tn.Max > 0 {
		t := time.NewTimer(tn.Max)
		defer t.Stop()
		max = t.C
	}
	for {
		select {
		case <-done:
			return
		case <-tn.Done:
		case <-max:
		case <-idle:
			quiet := time.Since(time.Unix(0, last.Load()))
			if quiet < tn.Idle {
				idleTimer.Reset(tn.Idle - quiet)
				continue
			}
		}
		closeBoth()
		return
	}
}

// copyTunnel copies src to dst until either fails, noting the time of
// each read in last, and returns the bytes written.
func copyTunnel(dst io.Writer, src io.Reader, last *atomic.Int64) int64 {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			last.Store(time.Now().UnixNano())
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n
			}
		}
		if rerr != nil {
			// EOF, a reset, or the other side closing the tunnel: each
			// ends it alike.
			return n
		}
	}
}

package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of an H1Transport.
const (
	DefaultIdleConnTimeout        = 90 * time.Second
	DefaultDialTimeout            = 10 * time.Second
	DefaultMaxResponseHeaderBytes = 64 << 10
)

const (
	// connBufferSize is the size of each connection's read and write
	// buffers: a request or response head of an API call fits.
	connBufferSize = 4 << 10
	// syncBodyMax is the largest request body of known length that is
	// written on the caller's goroutine before the response is read.
	// Larger bodies, and bodies of unknown length, are written by a
	// goroutine of their own while the response is read, so that a
	// backend that answers before it has read the whole body (or streams
	// while it reads) cannot deadlock the exchange.
	syncBodyMax = 64 << 10
	// probeAfter is how long a connection may sit idle before it is
	// checked, with a non-blocking peek, for a close by the backend
	// before it is used again. Busy connections are not checked.
	probeAfter = 200 * time.Millisecond
	// max1xx bounds the interim (1xx) responses skipped before the final
	// one.
	max1xx = 8
)

// H1Transport is an HTTP/1.1 client for plain-http upstreams, an
// http.RoundTripper built for a gateway's upstream leg. Unlike
// http.Transport, it does the whole exchange on the caller's goroutine:
// it takes a pooled keep-alive connection (or dials one), writes the
// request, reads the response head, and hands back a body that returns
// the connection to its host's idle pool when it has been read to the end.
// There is no reader or writer goroutine per connection and no hand-off per
// request; a request body larger than 64 KiB or of unknown length is the
// one case written by a goroutine of its own, while the response is read.
//
// Behaviour:
//
//   - Idle connections are kept per host (host:port), most recently used
//     first, up to MaxIdleConnsPerHost; one idle longer than
//     IdleConnTimeout is closed (a timer per host with idle connections
//     sweeps them even when no more calls come); one idle longer than
//     200 ms is checked for a close by the backend (a non-blocking peek)
//     before reuse.
//   - Requests are written with Content-Length when the length is known,
//     chunked otherwise; request trailers are sent after a chunked body.
//   - Responses: status line and fields are read within
//     MaxResponseHeaderBytes; length-delimited, chunked (with trailers,
//     in Response.Trailer after io.EOF) and close-delimited bodies; no body
//     for HEAD, 1xx, 204 and 304; interim 1xx responses (100 Continue,
//     103 Early Hints) are skipped. Malformed framing (conflicting
//     Content-Length, chunked not last, obs-fold, bad field names or
//     values) is an error: a proxy must not guess.
//   - A connection goes back to the pool only when its response body was
//     read to the end, both sides allow keep-alive, and nothing unread
//     follows the response. Closing a body early closes the connection.
//   - A request whose connection was taken from the pool and failed before
//     any byte of a response arrived (the backend had closed it) is sent
//     once more on a fresh connection, if it is replayable as
//     http.Transport defines it: GET, HEAD, OPTIONS or TRACE, or an
//     Idempotency-Key header, with no body or a GetBody. Other requests
//     fail with an error that unwraps to the connection's error.
//   - The request's context covers the whole exchange, body included:
//     when it ends, the connection is closed (context.AfterFunc), which
//     unblocks any read or write at once. ResponseHeaderTimeout, and the
//     per-call timeout Pool.Forward passes, bound the time from the start
//     of the call to the response head with a connection deadline (no
//     timer goroutine, no derived context; it may fire up to 1/16 of the
//     timeout late, at most 250 ms, so that a busy connection keeps its
//     deadline across requests); a body that streams after the head is
//     not cut by it.
//
// Only "http" URLs are served; use http.Transport for https and HTTP/2.
// An H1Transport must not be copied after first use.
type H1Transport struct {
	// MaxIdleConnsPerHost caps the idle connections kept per host
	// (MaxIdleConnsPerHost, 512, if 0).
	MaxIdleConnsPerHost int
	// IdleConnTimeout closes a connection idle for longer
	// (DefaultIdleConnTimeout if 0).
	IdleConnTimeout time.Duration
	// DialTimeout bounds a connect (DefaultDialTimeout if 0).
	DialTimeout time.Duration
	// MaxResponseHeaderBytes bounds a response head, a chunked body's
	// trailer section, and the interim responses before the final one
	// (DefaultMaxResponseHeaderBytes if 0).
	MaxResponseHeaderBytes int
	// ResponseHeaderTimeout, when positive, bounds the time from the start
	// of RoundTrip to the response head.
	ResponseHeaderTimeout time.Duration
	// DialContext dials a connection (a net.Dialer with TCP keep-alive if
	// nil).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Control, if not nil, is the Control hook of the net.Dialer used
	// when DialContext is nil: the egress policy's check of the resolved
	// address (egress.Policy.Control).
	Control func(network, address string, c syscall.RawConn) error
	// ConnObserver, if not nil, is told of every connection a call
	// takes: how long the call waited for it, and whether it was reused.
	ConnObserver ConnObserver

	mu    sync.RWMutex
	hosts map[string]*h1Host
}

// ConnObserver is told how each call of an H1Transport got its
// connection: wait is the time from asking for one to having it, taken
// from the idle pool (reused) or dialled. A call sent again on a fresh
// connection, after its pooled one turned out closed, is told twice.
// Observers are called on the request path, and must be quick.
type ConnObserver interface {
	ObserveConn(wait time.Duration, reused bool)
}

// h1Host holds the idle connections to one host:port.
type h1Host struct {
	mu   sync.Mutex
	idle []*h1Conn // the most recently used last
	// sweep closes the connections that outlived the idle timeout, for a
	// host that gets no more calls (a backend taken out of the
	// configuration); armed while the host has idle connections.
	sweep *time.Timer
	armed bool
}

// h1Conn is one connection to a backend.
type h1Conn struct {
	t         *H1Transport
	host      *h1Host
	nc        net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	reused    bool
	gotBytes  bool // a byte of a response arrived in this exchange
	// deadline is the deadline set on nc, zero when none.
	deadline time.Time
	abortFn  func() // c.abort, bound once
	aborted  atomic.Bool
	scratch  []byte
}

func (t *H1Transport) maxIdle() int {
	if t.MaxIdleConnsPerHost > 0 {
		return t.MaxIdleConnsPerHost
	}
	return MaxIdleConnsPerHost
}

func (t *H1Transport) idleTimeout() time.Duration {
	if t.IdleConnTimeout > 0 {
		return t.IdleConnTimeout
	}
	return DefaultIdleConnTimeout
}

func (t *H1Transport) maxHead() int {
	if t.MaxResponseHeaderBytes > 0 {
		return t.MaxResponseHeaderBytes
	}
	return DefaultMaxResponseHeaderBytes
}

// host returns the pool of addr, creating it on first use.
func (t *H1Transport) host(addr string) *h1Host {
	t.mu.RLock()
	h := t.hosts[addr]
	t.mu.RUnlock()
	if h != nil {
		return h
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if h = t.hosts[addr]; h == nil {
		if t.hosts == nil {
			t.hosts = make(map[string]*h1Host)
		}
		h = new(h1Host)
		t.hosts[addr] = h
	}
	return h
}

// CloseIdleConnections closes every idle connection. Connections in use
// are not affected; they are closed instead of pooled if their host's pool
// is full. http.Client calls it through an interface.
func (t *H1Transport) CloseIdleConnections() {
	t.mu.RLock()
	hosts := make([]*h1Host, 0, len(t.hosts))
	for _, h := range t.hosts {
		hosts = append(hosts, h)
	}
	t.mu.RUnlock()
	for _, h := range hosts {
		h.mu.Lock()
		idle := h.idle
		h.idle = nil
		h.mu.Unlock()
		for _, c := range idle {
			c.nc.Close()
		}
	}
}

// idleCount returns how many idle connections addr has (for tests).
func (t *H1Transport) idleCount(addr string) int {
	h := t.host(addr)
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.idle)
}

// getConn returns an idle connection to addr that is fit for use, or dials
// a new one.
func (t *H1Transport) getConn(ctx context.Context, addr string, now, deadline time.Time, fresh bool) (*h1Conn, error) {
	h := t.host(addr)
	for !fresh {
		h.mu.Lock()
		n := len(h.idle)
		if n == 0 {
			h.mu.Unlock()
			break
		}
		c := h.idle[n-1]
		h.idle[n-1] = nil
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		idle := now.Sub(c.idleSince)
		if idle > t.idleTimeout() {
			c.nc.Close()
			continue
		}
		if idle >= probeAfter && !peerOpen(c.nc) {
			// The backend closed it, and most likely every connection
			// idle for longer.
			c.nc.Close()
			h.closeIdleSince(c.idleSince)
			continue
		}
		c.reused = true
		return c, nil
	}
	var nc net.Conn
	var err error
	if t.DialContext != nil {
		nc, err = t.DialContext(ctx, "tcp", addr)
	} else {
		d := net.Dialer{KeepAlive: 30 * time.Second, Deadline: deadline, Timeout: t.DialTimeout, Control: t.Control}
		if d.Timeout <= 0 {
			d.Timeout = DefaultDialTimeout
		}
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	c := &h1Conn{
		t:    t,
		host: h,
		nc:   nc,
		br:   bufio.NewReaderSize(nc, connBufferSize),
		bw:   bufio.NewWriterSize(nc, connBufferSize),
	}
	c.abortFn = c.abort
	return c, nil
}

// putConn returns c to its host's idle pool, or closes it when the pool is
// full. It also closes the oldest idle connection if it has outlived the
// idle timeout, so that a pool larger than the load needs shrinks back
// without a goroutine to sweep it.
func (t *H1Transport) putConn(c *h1Conn) {
	now := time.Now()
	c.idleSince = now
	h := c.host
	var expired *h1Conn
	h.mu.Lock()
	if len(h.idle) > 0 && now.Sub(h.idle[0].idleSince) > t.idleTimeout() {
		expired = h.idle[0]
		h.idle[0] = nil
		h.idle = h.idle[1:]
	}
	full := len(h.idle) >= t.maxIdle()
	if !full {
		h.idle = append(h.idle, c)
		if !h.armed {
			h.armed = true
			if h.sweep == nil {
				h.sweep = time.AfterFunc(t.idleTimeout(), func() { t.sweepHost(h) })
			} else {
				h.sweep.Reset(t.idleTimeout())
			}
		}
	}
	h.mu.Unlock()
	if expired != nil {
		expired.nc.Close()
	}
	if full {
		c.nc.Close()
	}
}

// sweepHost closes h's connections that outlived the idle timeout, and
// comes back when the oldest of the others will have.
func (t *H1Transport) sweepHost(h *h1Host) {
	now := time.Now()
	timeout := t.idleTimeout()
	h.mu.Lock()
	n := 0
	for n < len(h.idle) && now.Sub(h.idle[n].idleSince) > timeout {
		n++
	}
	expired := append([]*h1Conn(nil), h.idle[:n]...)
	clear(h.idle[:n])
	h.idle = h.idle[n:]
	if len(h.idle) > 0 {
		h.sweep.Reset(h.idle[0].idleSince.Add(timeout).Sub(now) + time.Millisecond)
	} else {
		h.armed = false
	}
	h.mu.Unlock()
	for _, c := range expired {
		c.nc.Close()
	}
}

// closeIdleSince closes the idle connections of h that have been idle since
// before t: when the backend closed one connection that had been idle that
// long, it has most likely closed those too.
func (h *h1Host) closeIdleSince(t time.Time) {
	var stale []*h1Conn
	h.mu.Lock()
	keep := h.idle[:0]
	for _, c := range h.idle {
		if !c.idleSince.After(t) {
			stale = append(stale, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(h.idle[len(keep):])
	h.idle = keep
	h.mu.Unlock()
	for _, c := range stale {
		c.nc.Close()
	}
}

// abort closes the connection from another goroutine (the context's
// AfterFunc): every blocked read and write on it returns at once.
func (c *h1Conn) abort() {
	c.aborted.Store(true)
	c.nc.Close()
}

// setDeadline sets the connection's read and write deadline to t, or
// keeps the one already set if it falls no earlier than t and at most
// slack later: on a busy connection the deadline then moves once per slack
// rather than once per request.
func (c *h1Conn) setDeadline(t time.Time, slack time.Duration) {
	if t.IsZero() || c.deadline.IsZero() {
		if t.IsZero() && c.deadline.IsZero() {
			return
		}
	} else if d := c.deadline.Sub(t); d >= 0 && d <= slack {
		return
	}
	if !t.IsZero() {
		t = t.Add(slack)
	}
	c.deadline = t
	c.nc.SetDeadline(t)
}

// headSlack is how much later than asked the response head timeout may
// fire: 1/16 of the timeout, at most 250 ms. It lets a busy connection
// keep its deadline across requests (see setDeadline).
func headSlack(timeout time.Duration) time.Duration {
	return min(timeout/16, 250*time.Millisecond)
}

// Errors of an H1Transport.
var (
	errH1Scheme      = errors.New("proxy: H1Transport serves only http URLs")
	errH1NoHost      = errors.New("proxy: request URL has no host")
	errH1HeadTimeout = &headTimeoutError{}
	errUnexpected101 = malformed("101 Switching Protocols to a request that did not ask to switch")
	errTooMany1xx    = malformed("too many interim (1xx) responses")
	errHeadTooLarge  = malformed("response head larger than the limit")
)

// headTimeoutError is returned when no response head arrived within the
// response header timeout. It is errHeaderTimeout for classify, and a
// timeout net.Error for everyone else.
type headTimeoutError struct{}

func (*headTimeoutError) Error() string        { return errHeaderTimeout.Error() }
func (*headTimeoutError) Timeout() bool        { return true }
func (*headTimeoutError) Temporary() bool      { return true }
func (*headTimeoutError) Is(target error) bool { return target == errHeaderTimeout }

// malformedError is a response that breaks HTTP/1.1 framing or syntax.
type malformedError struct {
	what string
	// atStart: the first line was not a status line. On a pooled
	// connection that is most likely the overrun of the previous answer
	// (a body on a HEAD or 204 that arrived late), not this one's fault.
	atStart bool
}

func malformed(what string) error       { return &malformedError{what: what} }
func (e *malformedError) Error() string { return "proxy: malformed HTTP response: " + e.what }

// staleConnError is the failure of a pooled connection that the backend
// had closed: it failed before any byte of a response arrived, or what
// arrived did not start with a status line (bytes left over from the
// previous exchange). It unwraps to the connection's error.
type staleConnError struct{ err error }

func (e *staleConnError) Error() string {
	return "proxy: pooled connection closed by the backend: " + e.err.Error()
}
func (e *staleConnError) Unwrap() error { return e.err }

// requestBodyError is a failure to read the request's own body: the client
// went away or broke its framing, or a size limit refused it. It is not
// the backend's fault.
type requestBodyError struct{ err error }

func (e *requestBodyError) Error() string { return "proxy: reading the request body: " + e.err.Error() }
func (e *requestBodyError) Unwrap() error { return e.err }

// RoundTrip implements http.RoundTripper.
func (t *H1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		closeRequestBody(req)
		return nil, errors.New("proxy: request has no URL")
	}
	return t.roundTrip(req, hostPort(req.URL.Host), t.ResponseHeaderTimeout)
}

// roundTrip sends req to addr (host:port), bounding the wait for the
// response head by headTimeout when positive.
func (t *H1Transport) roundTrip(req *http.Request, addr string, headTimeout time.Duration) (*http.Response, error) {
	u := req.URL
	switch {
	case u.Scheme != "http":
		closeRequestBody(req)
		return nil, errH1Scheme
	case u.Host == "":
		closeRequestBody(req)
		return nil, errH1NoHost
	}
	method := req.Method
	switch {
	case method == "":
		method = http.MethodGet
	case method == http.MethodConnect:
		closeRequestBody(req)
		return nil, errors.New("proxy: H1Transport does not tunnel (CONNECT)")
	case !validToken(method):
		closeRequestBody(req)
		return nil, fmt.Errorf("proxy: invalid method %q", method)
	}
	ctx := req.Context()
	now := time.Now()
	var deadline time.Time
	var slack time.Duration
	if headTimeout > 0 {
		deadline, slack = now.Add(headTimeout), headSlack(headTimeout)
	}
	body, length := req.Body, outgoingLength(req)
	if length == 0 {
		body = nil
	}
	fresh := false
	for {
		if err := ctx.Err(); err != nil {
			closeBody(body)
			return nil, err
		}
		asked := now
		if fresh && t.ConnObserver != nil {
			asked = time.Now()
		}
		c, err := t.getConn(ctx, addr, now, deadline, fresh)
		if err == nil && t.ConnObserver != nil {
			t.ConnObserver.ObserveConn(time.Since(asked), c.reused)
		}
		if err != nil {
			closeBody(body)
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case !deadline.IsZero() && isTimeout(err) && !time.Now().Before(deadline):
				return nil, errH1HeadTimeout
			}
			return nil, err
		}
		resp, err := c.roundTrip(ctx, req, method, body, length, deadline, slack)
		if err == nil {
			return resp, nil
		}
		var stale *staleConnError
		if fresh || !errors.As(err, &stale) {
			return nil, err
		}
		// The backend had closed this pooled connection, and most likely
		// every other one idle as long.
		c.host.closeIdleSince(c.idleSince)
		if !replayable(req) {
			return nil, err
		}
		if body != nil {
			if body, err = req.GetBody(); err != nil {
				return nil, &requestBodyError{err}
			}
		}
		fresh = true
	}
}

// roundTrip does one exchange on c. On success the response's body owns c;
// on failure c is closed.
func (c *h1Conn) roundTrip(ctx context.Context, req *http.Request, method string, body io.ReadCloser, length int64, deadline time.Time, slack time.Duration) (*http.Response, error) {
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, c.abortFn)
	}
	c.setDeadline(deadline, slack)
	c.gotBytes = false
	fail := func(err error) (*http.Response, error) {
		if stop != nil {
			stop()
		}
		c.nc.Close()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case c.aborted.Load():
			return nil, context.Canceled
		case isTimeout(err) && !deadline.IsZero():
			return nil, errH1HeadTimeout
		case c.reused && !c.gotBytes && peerClosed(err):
			return nil, &staleConnError{err}
		case c.reused && strayBytes(err):
			return nil, &staleConnError{err}
		}
		return nil, err
	}

	if err := writeHead(c.bw, req, method, length); err != nil {
		closeBody(body)
		return fail(err)
	}
	var w *bodyWriter
	switch {
	case body == nil:
		if err := c.bw.Flush(); err != nil {
			return fail(err)
		}
	case length > 0 && length <= syncBodyMax:
		err := c.writeBody(body, length, nil, false)
		closeBody(body)
		if err == nil {
			err = c.bw.Flush()
		}
		if err != nil {
			return fail(err)
		}
	default:
		w = &bodyWriter{done: make(chan struct{})}
		go w.run(c, body, length, req)
	}

	resp, err := c.readResponse(req, method)
	if err != nil {
		if w != nil {
			// A failure of the request body is what broke the exchange
			// (the writer closed the connection after recording it).
			select {
			case <-w.done:
				if w.err != nil {
					if _, ok := w.err.(*requestBodyError); ok {
						fail(err)
						return nil, w.err
					}
				}
			default:
			}
		}
		return fail(err)
	}

	b := resp.Body.(*h1Body)
	b.stop, b.writer = stop, w
	if b.mode == bodyNone {
		resp.Body = http.NoBody
		b.finish(true)
		return resp, nil
	}
	if b.mode != bodyLength || int64(c.br.Buffered()) < b.n {
		// The body will wait on the network: the head deadline must
		// not cut it.
		c.setDeadline(time.Time{}, 0)
	}
	return resp, nil
}

// bodyWriter writes a request body on a goroutine of its own while the
// response is read.
type bodyWriter struct {
	done chan struct{}
	err  error // set before done is closed
}

func (w *bodyWriter) run(c *h1Conn, body io.ReadCloser, length int64, req *http.Request) {
	err := c.writeBody(body, length, req, true)
	closeBody(body)
	if err == nil {
		err = c.bw.Flush()
	}
	w.err = err
	close(w.done)
	if _, ok := err.(*requestBodyError); ok {
		// The client's side broke: unblock the reader, which finds
		// w.err through done. A failed write to the backend is left to
		// the reader, which may still get the answer the backend sent
		// before it stopped reading.
		c.nc.Close()
	}
}

// finished reports whether the body was written whole.
func (w *bodyWriter) finished() bool {
	select {
	case <-w.done:
		return w.err == nil
	default:
		return false
	}
}

// writeBody copies body to the connection: exactly length bytes when
// length > 0, chunked until EOF (then req's trailers, when req is not nil)
// when length < 0. With flush, every piece read from body is sent at once,
// so that a streamed body streams.
func (c *h1Conn) writeBody(body io.Reader, length int64, req *http.Request, flush bool) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	bw := c.bw
	var sent int64
	for length < 0 || sent < length {
		p := buf
		if length > 0 && int64(len(p)) > length-sent {
			p = p[:length-sent]
		}
		n, rerr := body.Read(p)
		if n > 0 {
			if length < 0 {
				var hex [20]byte
				bw.Write(strconv.AppendInt(hex[:0], int64(n), 16))
				bw.WriteString("\r\n")
			}
			if _, err := bw.Write(p[:n]); err != nil {
				return err
			}
			if length < 0 {
				bw.WriteString("\r\n")
			}
			sent += int64(n)
			if flush {
				if err := bw.Flush(); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return &requestBodyError{rerr}
		}
	}
	if length > 0 && sent < length {
		return &requestBodyError{fmt.Errorf("%w: the body ended after %d of its %d bytes", io.ErrUnexpectedEOF, sent, length)}
	}
	if length < 0 {
		bw.WriteString("0\r\n")
		if req != nil {
			for k, vv := range req.Trailer {
				if !validToken(k) {
					continue
				}
				for _, v := range vv {
					if validFieldValue(v) {
						bw.WriteString(k)
						bw.WriteString(": ")
						bw.WriteString(v)
						bw.WriteString("\r\n")
					}
				}
			}
		}
		bw.WriteString("\r\n")
	}
	return nil
}

// writeHead writes req's request line and header fields to bw, with the
// framing of a body of length (0: none; < 0: chunked).
func writeHead(bw *bufio.Writer, req *http.Request, method string, length int64) error {
	u := req.URL
	target := u.Opaque
	if target == "" {
		if target = u.EscapedPath(); target == "" {
			target = "/"
		}
	}
	if !validTarget(target) || !validTarget(u.RawQuery) {
		return fmt.Errorf("proxy: invalid request target %q", target)
	}
	host := req.Host
	if host == "" {
		host = u.Host
	}
	if !validTarget(host) {
		return fmt.Errorf("proxy: invalid host %q", host)
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	bw.WriteString(target)
	if u.ForceQuery || u.RawQuery != "" {
		bw.WriteByte('?')
		bw.WriteString(u.RawQuery)
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for k, vv := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue // written from the request's fields
		case "User-Agent":
			if len(vv) == 1 && vv[0] == "" {
				continue // as http.Transport: an empty User-Agent is none
			}
		}
		if !validToken(k) {
			return fmt.Errorf("proxy: invalid header field name %q", k)
		}
		for _, v := range vv {
			if !validFieldValue(v) {
				return fmt.Errorf("proxy: invalid value of header field %s", k)
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	if req.Close {
		bw.WriteString("Connection: close\r\n")
	}
	switch {
	case length > 0:
		var num [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(num[:0], length, 10))
		bw.WriteString("\r\n")
	case length < 0:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	case method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
		bw.WriteString("Content-Length: 0\r\n")
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// outgoingLength is the length of req's body: 0 for none, -1 when unknown.
func outgoingLength(req *http.Request) int64 {
	if req.Body == nil || req.Body == http.NoBody {
		return 0
	}
	if req.ContentLength != 0 {
		return req.ContentLength
	}
	return -1
}

// replayable reports whether req may be sent again after a failure of a
// pooled connection, as http.Transport decides it.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, a := req.Header["Idempotency-Key"]
	_, b := req.Header["X-Idempotency-Key"]
	return a || b
}

func closeRequestBody(req *http.Request) { closeBody(req.Body) }

func closeBody(b io.ReadCloser) {
	if b != nil {
		b.Close()
	}
}

// hostPort returns host with the default http port when it names none.
func hostPort(host string) string {
	for i := len(host) - 1; i >= 0; i-- {
		switch host[i] {
		case ':':
			return host
		case ']':
			return host + ":80"
		}
	}
	return host + ":80"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// strayBytes reports whether err is a response that did not start with a
// status line.
func strayBytes(err error) bool {
	m, ok := err.(*malformedError)
	return ok && m.atStart
}

// peerClosed reports whether err says the backend closed the connection.
func peerClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED)
}

// tokenChars marks the characters of an RFC 9110 token.
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// validFieldValue reports whether v may be sent as a field value: no
// control characters but horizontal tab.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validTarget reports whether s can go on the request line: no spaces and
// no control characters.
func validTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

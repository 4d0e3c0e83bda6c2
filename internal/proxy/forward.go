package proxy

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Outbound is what a call sends upstream beyond the client's request.
type Outbound struct {
	// Method is the upstream method; "" keeps the request's.
	Method string
	// Path is the upstream path, escaped, starting with "/"; the target's
	// base path is put before it. "" is "/".
	Path string
	// RequestID is sent as X-Request-Id and kept on the response.
	RequestID string
	// HTTP2 sends the call over HTTP/2 (see H2), as gRPC needs: h2c to an
	// http:// target, h2 over TLS to an https:// one. The response's
	// trailers reach the client either way.
	HTTP2 bool
}

// Result is what a call came to, for metrics and the access log.
type Result struct {
	// Status is the status written to the client; 0 when nothing was.
	Status int
	// BytesOut counts the body bytes written to the client (through a
	// tunnel, the bytes the backend sent after the switch).
	BytesOut int64
	// BytesIn counts the client's bytes sent through a tunnel after a
	// protocol switch (see Pool.Upgrade); a request body is counted by
	// the gateway.
	BytesIn int64
	// Upstream is the time from sending the request to its response
	// headers; zero when nothing was sent.
	Upstream time.Duration
	// Started is true once the response header was written: a failure
	// after that cannot be answered with an error envelope, only by
	// cutting the response short.
	Started bool
}

// exchange holds what one upstream request needs, in a single allocation:
// the request (a shallow copy of the client's), its URL and the header
// values the gateway sets.
type exchange struct {
	req  http.Request
	url  url.URL
	vals [3]string // X-Forwarded-For, X-Forwarded-Host, X-Request-Id
}

// Header values shared by every request; never appended to.
var (
	protoHTTP  = []string{"http"}
	protoHTTPS = []string{"https"}
	noUA       = []string{""}
)

// bufPool holds the 32 KiB buffers that response bodies are copied with.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Forward sends r to the pool's next healthy target and streams the answer
// to w. Only the path, method and headers change on the way: the query and
// the body pass through as they are, hop-by-hop headers are dropped both
// ways, X-Forwarded-For (appended to), -Proto and -Host and X-Request-Id
// are set, and the backend's static headers replace the caller's.
//
// Errors are *errcode.Error values: Unavailable when no target is usable,
// SourceUnavailable when the connection is refused or reset,
// DeadlineExceeded when no response header came within the timeout,
// Cancelled when the client went away, BadGateway for a malformed answer.
// When res.Started is true the status was already written, and the error
// can only be logged; the caller should abort the response so that the
// client does not take a cut body for a whole one.
func (p *Pool) Forward(w http.ResponseWriter, r *http.Request, o Outbound) (res Result, err error) {
	t := p.pick()
	if t == nil {
		return res, errcode.Newf(errcode.Unavailable, "no usable target among %d", len(p.targets))
	}
	x := new(exchange)
	ctx := r.Context()
	var resp *http.Response
	var start time.Time
	if h1 := p.h1(t); h1 != nil && !o.HTTP2 {
		// H1Transport bounds the wait for the head with a connection
		// deadline and follows r's context itself: the request is a copy
		// of r that keeps its context, and nothing else is derived.
		out := &x.req
		*out = *r
		p.prepare(x, out, r, t, o)
		start = time.Now()
		resp, err = h1.roundTrip(out, t.addr, p.timeout)
		res.Upstream = time.Since(start)
	} else {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		out := r.WithContext(ctx)
		p.prepare(x, out, r, t, o)
		rt := p.roundTripper()
		if o.HTTP2 {
			keepTETrailers(out.Header, r.Header)
			rt = p.h2RoundTripper()
		}
		// The timer bounds the wait for headers only: a body that
		// streams for longer than the timeout after them is not cut.
		timer := time.AfterFunc(p.timeout, func() { cancel(errHeaderTimeout) })
		start = time.Now()
		resp, err = rt.RoundTrip(out)
		fired := !timer.Stop()
		res.Upstream = time.Since(start)
		if err == nil && fired {
			resp.Body.Close()
			err = errHeaderTimeout
		}
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
	if o.HTTP2 {
		streamWithTrailers(dst, resp)
	}
	w.WriteHeader(resp.StatusCode)
	res.Status, res.Started = resp.StatusCode, true

	res.BytesOut, err = copyBody(w, resp, r)
	if err != nil {
		return res, err
	}
	for k, vv := range resp.Trailer {
		dst[http.TrailerPrefix+k] = vv
	}
	return res, nil
}

// prepare turns out, a shallow copy of in with the call's context, into
// the upstream request for target t.
func (p *Pool) prepare(x *exchange, out, in *http.Request, t *target, o Outbound) {
	path := o.Path
	if path == "" {
		path = "/"
	}
	if t.base != "" {
		path = t.base + path
	}
	x.url = url.URL{Scheme: t.scheme, Host: t.host, RawQuery: in.URL.RawQuery}
	if strings.HasPrefix(path, "//") {
		// Opaque would be taken for an authority; spell it out.
		x.url.Path, _ = url.PathUnescape(path)
		x.url.RawPath = path
	} else {
		// Opaque is written on the request line as it is: the path stays
		// exactly as the client escaped it, and nothing is re-encoded.
		x.url.Opaque = path
	}

	h := make(http.Header, len(in.Header)+len(p.headers)+4)
	copyEndToEnd(h, in.Header)
	ip := clientIP(in.RemoteAddr)
	if prior := in.Header["X-Forwarded-For"]; len(prior) > 0 {
		ip = strings.Join(prior, ", ") + ", " + ip
	}
	x.vals[0] = ip
	h["X-Forwarded-For"] = x.vals[0:1:1]
	if in.TLS != nil {
		h["X-Forwarded-Proto"] = protoHTTPS
	} else {
		h["X-Forwarded-Proto"] = protoHTTP
	}
	x.vals[1] = in.Host
	h["X-Forwarded-Host"] = x.vals[1:2:2]
	if o.RequestID != "" {
		x.vals[2] = o.RequestID
		h["X-Request-Id"] = x.vals[2:3:3]
	}
	for k, vv := range p.headers {
		h[k] = vv
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = noUA // or the transport would add Go's
	}

	if o.Method != "" {
		out.Method = o.Method
	}
	out.URL = &x.url
	out.Header = h
	out.Host = ""
	out.RequestURI = ""
	out.Proto, out.ProtoMajor, out.ProtoMinor = "HTTP/1.1", 1, 1
	out.Close = false
	if in.ContentLength == 0 {
		// The server gives a body-less request http.NoBody; the transport
		// would send it chunked.
		out.Body = nil
	}
}

// clientIP returns the address part of a RemoteAddr "host:port".
func clientIP(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i >= 0 {
		remote = remote[:i]
	}
	return strings.TrimSuffix(strings.TrimPrefix(remote, "["), "]")
}

// copyBody streams resp's body to w with a pooled buffer, flushing after
// each write when the length is unknown, so that a streamed answer is not
// held back.
func copyBody(w http.ResponseWriter, resp *http.Response, r *http.Request) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var flusher http.Flusher
	if resp.ContentLength == -1 {
		flusher, _ = w.(http.Flusher)
	}
	var n int64
	for {
		nr, rerr := resp.Body.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, errcode.Wrap(errcode.Cancelled, werr)
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			cond, _ := classify(r.Context(), r, rerr)
			return n, errcode.Wrap(cond, rerr)
		}
	}
}

package gateway

import (
	"io"
	"sync/atomic"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// accept gives the call its request id, which every answer carries, and
// admits it: within the in-flight limit, and within the size limits.
func (g *Gateway) accept(c *Call) error {
	id := c.R.Header.Get("X-Request-Id")
	if !saneRequestID(id) {
		id = newRequestID()
	}
	c.RequestID = id
	c.W.Header()["X-Request-Id"] = []string{id}

	n := g.inflight.Add(1)
	c.admitted = true
	if max := g.cfg.MaxInFlight; max > 0 && n > int64(max) {
		return errcode.Newf(errcode.Busy, "%d requests in flight", max)
	}

	if max := g.cfg.MaxHeaderBytes; max > 0 && headerBytes(c) > max {
		return errcode.Newf(errcode.RequestTooLarge, "headers exceed %d bytes", max)
	}
	r := c.R
	switch {
	case r.ContentLength > 0:
		c.BytesIn = r.ContentLength
		if max := g.cfg.MaxBodyBytes; max > 0 && r.ContentLength > max {
			return errcode.Newf(errcode.RequestTooLarge, "body exceeds %d bytes", max)
		}
	case r.ContentLength < 0:
		// A body of unknown length is counted, and cut at the limit, as
		// it streams through.
		c.body = &countingBody{ReadCloser: r.Body, limit: g.cfg.MaxBodyBytes}
		r.Body = c.body
	}
	return nil
}

// headerBytes approximates the size of the request line and headers as
// they were sent.
func headerBytes(c *Call) int {
	r := c.R
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vv := range r.Header {
		for _, v := range vv {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// countingBody counts a request body of unknown length and refuses to go
// past limit (when positive) with errcode.RequestTooLarge. The transport
// may read it after the call has ended, so it is not part of the pooled
// Call, and its count is atomic.
type countingBody struct {
	io.ReadCloser
	limit int64
	n     atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.limit > 0 {
		left := b.limit - b.n.Load()
		if left <= 0 {
			return 0, errcode.Newf(errcode.RequestTooLarge, "body exceeds %d bytes", b.limit)
		}
		if int64(len(p)) > left+1 {
			p = p[:left+1] // one byte more shows that the body is too long
		}
	}
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	if b.limit > 0 && b.n.Load() > b.limit {
		return n, errcode.Newf(errcode.RequestTooLarge, "body exceeds %d bytes", b.limit)
	}
	return n, err
}

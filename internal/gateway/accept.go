package gateway

import (
	"net/http"

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
	r := c.R
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		// Before anything can refuse the call: a refused call's body is
		// still read (and discarded) by net/http, within the deadline
		// this sets.
		c.body = g.guardBody(c)
		r.Body = c.body
	}

	n := g.inflight.Add(1)
	c.admitted = true
	if max := g.cfg.MaxInFlight; max > 0 && n > int64(max) {
		return errcode.Newf(errcode.Busy, "%d requests in flight", max)
	}

	if max := g.cfg.MaxHeaderBytes; max > 0 && headerBytes(c) > max {
		return errcode.Newf(errcode.RequestTooLarge, "headers exceed %d bytes", max)
	}
	if r.ContentLength > 0 {
		c.BytesIn = r.ContentLength
		if max := g.cfg.MaxBodyBytes; max > 0 && r.ContentLength > max {
			return errcode.Newf(errcode.RequestTooLarge, "body exceeds %d bytes", max)
		}
	}
	// A body of unknown length is counted, and cut at the limit, as it
	// streams through (requestBody).
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

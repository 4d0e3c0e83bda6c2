package gateway

import (
	"errors"
	"io"
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// DefaultMaxSignedBody bounds the body that is read into memory to verify
// a signature when the gateway has no MaxBodyBytes of its own.
const DefaultMaxSignedBody = 10 << 20

// readBody reads the request's body whole, for a scheme that signs it,
// within MaxBodyBytes (DefaultMaxSignedBody when that is unlimited), and
// puts the same bytes back for the backend, now with a known length.
//
// The buffer is allocated per request rather than pooled: the transport
// may read a request body after the handler returns (it writes bodies on
// its own goroutine), so a pooled buffer could go to the next request
// while the last one's bytes are still on their way upstream. A call
// without a body allocates nothing.
func (g *Gateway) readBody(c *Call) ([]byte, error) {
	r := c.R
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	max, over := g.cfg.MaxBodyBytes, errcode.RequestTooLarge
	if max <= 0 {
		max = DefaultMaxSignedBody
	}
	if b := c.body; b != nil && b.limit > 0 && b.limit < max {
		// The API's own, lower limit (lowerLimit).
		max, over = b.limit, b.overLimit
	}
	if r.ContentLength > max {
		return nil, errcode.Newf(over, "body exceeds %d bytes", max)
	}
	var b []byte
	var err error
	if r.ContentLength > 0 {
		b = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(io.LimitReader(r.Body, max+1))
		if err == nil && int64(len(b)) > max {
			err = errcode.Newf(over, "body exceeds %d bytes", max)
		}
	}
	if err != nil {
		var ee *errcode.Error
		if errors.As(err, &ee) {
			// Too large, too slow or malformed (requestBody).
			return nil, err
		}
		// A body cut short: the client went away, or broke its framing.
		return nil, errcode.Wrap(errcode.Cancelled, err)
	}
	r.Body = &bufferedBody{b: b}
	r.ContentLength = int64(len(b))
	r.TransferEncoding = nil
	return b, nil
}

// bufferedBody gives a body that was read whole to the backend.
type bufferedBody struct {
	b []byte
}

func (r *bufferedBody) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *bufferedBody) Close() error { return nil }

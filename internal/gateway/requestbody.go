package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// Defaults of the limits on how a request body arrives (Config.BodyTimeout,
// MinBodyRate and BodyRateGrace).
const (
	DefaultBodyTimeout   = 30 * time.Second
	DefaultMinBodyRate   = 1 << 10 // bytes per second
	DefaultBodyRateGrace = 5 * time.Second
)

// requestBody is a request's body as the pipeline and the transport read
// it. It counts the bytes, refuses to go past limit (when positive) with
// errcode.RequestTooLarge, and holds the client to the body timeout and
// the minimum rate.
//
// Time is kept by the connection's read deadline, which each read moves:
// to the moment the average rate since the call began would fall below
// minRate (never before the grace period ends), and never past the body
// timeout. A client that stops sending meets the deadline inside a
// blocked read; the deadline stays in place when the call ends without
// reading the body whole, so that net/http's own discard of the rest (up
// to 256 KiB, after the handler has returned and outside --max-in-flight)
// is bounded by it too. At the body's end the deadline is cleared.
//
// A read that fails on the client's side for any reason but the
// connection itself (which cancels the request's context) is the body
// breaking its framing, a malformed chunk: errcode.InvalidArgument.
//
// The transport may read the body on a goroutine of its own, and after
// the call has ended, so requestBody is not part of the pooled Call; its
// state is shared under mu and atomics.
type requestBody struct {
	io.ReadCloser
	ctx   context.Context
	limit int64
	// overLimit is the condition a body past limit is refused with:
	// errcode.RequestTooLarge for the gateway's limit, BodyTooLarge for
	// an API's (lowerLimit).
	overLimit *errcode.Condition
	n         atomic.Int64
	// failure is the error the body was cut with, with its reason for
	// the metric; set once.
	failure atomic.Pointer[bodyFailure]

	start   time.Time
	timeout time.Duration // 0: none
	minRate int64         // bytes per second; 0: none
	grace   time.Duration

	mu sync.Mutex
	// setDeadline sets the connection's read deadline; nil when the
	// writer cannot, and then only a read that returns late is caught.
	setDeadline func(time.Time) error
	deadline    time.Time // the one set; zero: none
	// length is the request's Content-Length; -1 when chunked.
	length int64
	// ended: the call is over, and the connection may already serve the
	// next request, whose deadlines are not the body's to touch.
	ended bool
}

// bodyFailure is why a body was cut.
type bodyFailure struct {
	err    *errcode.Error
	reason string
}

// guardBody wraps c's request body and sets its first deadline.
func (g *Gateway) guardBody(c *Call) *requestBody {
	b := &requestBody{
		ReadCloser: c.R.Body,
		length:     c.R.ContentLength,
		ctx:        c.R.Context(),
		limit:      g.cfg.MaxBodyBytes,
		overLimit:  errcode.RequestTooLarge,
		start:      c.Start,
		timeout:    g.bodyTimeout,
		minRate:    g.cfg.MinBodyRate,
		grace:      g.bodyRateGrace,
	}
	if b.timeout > 0 || b.minRate > 0 {
		if d, ok := c.W.(interface{ SetReadDeadline(time.Time) error }); ok {
			b.setDeadline = d.SetReadDeadline
		} else {
			b.setDeadline = http.NewResponseController(c.W).SetReadDeadline
		}
		b.mu.Lock()
		b.moveDeadline(0)
		b.mu.Unlock()
	}
	return b
}

func (b *requestBody) timed() bool { return b.timeout > 0 || b.minRate > 0 }

// due returns when a body of which n bytes have arrived is too late.
func (b *requestBody) due(n int64) time.Time {
	d := time.Duration(1<<63 - 1)
	if b.minRate > 0 {
		d = max(b.grace, time.Duration(float64(n)/float64(b.minRate)*float64(time.Second)))
	}
	if b.timeout > 0 {
		d = min(d, b.timeout)
	}
	return b.start.Add(d)
}

// moveDeadline sets the connection's read deadline for n bytes read, if
// the call is still on. b.mu must be held.
func (b *requestBody) moveDeadline(n int64) {
	if b.ended || b.setDeadline == nil {
		return
	}
	d := b.due(n)
	if d.Equal(b.deadline) {
		return
	}
	if err := b.setDeadline(d); err != nil {
		b.setDeadline = nil // not supported: reads are checked as they return
		return
	}
	b.deadline = d
}

func (b *requestBody) Read(p []byte) (int, error) {
	if b.limit > 0 {
		left := b.limit - b.n.Load()
		if left <= 0 {
			return 0, errcode.Newf(b.overLimit, "body exceeds %d bytes", b.limit)
		}
		if int64(len(p)) > left+1 {
			p = p[:left+1] // one byte more shows that the body is too long
		}
	}
	n, err := b.ReadCloser.Read(p)
	total := b.n.Add(int64(n))
	if b.limit > 0 && total > b.limit {
		return n, errcode.Newf(b.overLimit, "body exceeds %d bytes", b.limit)
	}
	switch {
	case err == io.EOF:
		if b.timed() {
			b.mu.Lock()
			if !b.ended && b.setDeadline != nil && !b.deadline.IsZero() {
				b.setDeadline(time.Time{})
				b.deadline = time.Time{}
			}
			b.mu.Unlock()
		}
	case err != nil:
		if f := b.classify(err); f != nil {
			return n, f.err
		}
	case b.timed():
		now := time.Now()
		b.mu.Lock()
		late := !b.ended && now.After(b.due(total))
		if !late {
			b.moveDeadline(total)
		}
		b.mu.Unlock()
		if late {
			// Bytes that sat in a buffer came after the deadline.
			return n, b.cut(b.lateFailure(now, total)).err
		}
	}
	return n, err
}

// classify turns a failed read into the body's failure, or returns nil
// for a client that went away (the connection failed and the request's
// context is cancelled) or a call that is over.
func (b *requestBody) classify(err error) *bodyFailure {
	var ee *errcode.Error
	if errors.As(err, &ee) {
		return nil
	}
	b.mu.Lock()
	ended := b.ended
	b.mu.Unlock()
	if ended {
		return nil
	}
	if b.timed() && isTimeout(err) {
		return b.cut(b.lateFailure(time.Now(), b.n.Load()))
	}
	if b.ctx.Err() != nil {
		return nil
	}
	return b.cut(&bodyFailure{
		err:    errcode.Wrap(errcode.InvalidArgument, err),
		reason: telemetry.BodyMalformed,
	})
}

// lateFailure says which limit a body of n bytes broke at now.
func (b *requestBody) lateFailure(now time.Time, n int64) *bodyFailure {
	if b.timeout > 0 && !now.Before(b.start.Add(b.timeout)) {
		return &bodyFailure{
			err:    errcode.Newf(errcode.RequestTooLarge, "body not received within %s (%d bytes arrived)", b.timeout, n),
			reason: telemetry.BodyTimeout,
		}
	}
	return &bodyFailure{
		err: errcode.Newf(errcode.RequestTooLarge, "body arrived slower than %d bytes/s (%d bytes in %s)",
			b.minRate, n, now.Sub(b.start).Round(time.Millisecond)),
		reason: telemetry.BodyTooSlow,
	}
}

// cut records f as the body's failure, unless it already has one, and
// returns the one recorded.
func (b *requestBody) cut(f *bodyFailure) *bodyFailure {
	if b.failure.CompareAndSwap(nil, f) {
		return f
	}
	return b.failure.Load()
}

// failed returns the error the body was cut with, or nil.
func (b *requestBody) failed() *errcode.Error {
	if b == nil {
		return nil
	}
	if f := b.failure.Load(); f != nil {
		return f.err
	}
	return nil
}

// overdue returns the body's failure when the call looks cancelled but
// the body's deadline has passed with the body unfinished: net/http
// cancels the request's context inside the very read that meets the
// deadline, before that read returns to Read, so the call can end, seen
// as cancelled by the client, before the cut is recorded. Only a call
// that ended cancelled asks, so a slow backend never turns a finished
// body into a cut one.
func (b *requestBody) overdue(now time.Time) *errcode.Error {
	if b == nil {
		return nil
	}
	if f := b.failure.Load(); f != nil {
		return f.err
	}
	n := b.n.Load()
	b.mu.Lock()
	due := !b.deadline.IsZero() && !now.Before(b.deadline) && (b.length < 0 || n < b.length)
	b.mu.Unlock()
	if !due {
		return nil
	}
	return b.cut(b.lateFailure(now, n)).err
}

// end hands the connection back: from now on the body leaves the read
// deadline as it is, which bounds whatever net/http still reads of it.
func (b *requestBody) end() {
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

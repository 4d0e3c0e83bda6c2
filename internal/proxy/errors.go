package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// errHeaderTimeout is the cause a call's context is cancelled with when
// the backend sent no response headers within the pool's timeout.
var errHeaderTimeout = errors.New("proxy: no response headers within the backend timeout")

// classify maps a failed upstream exchange to its condition, and says
// whether it was a connection failure that counts against the target's
// health. ctx is the call's context, derived from r's.
func classify(ctx context.Context, r *http.Request, err error) (cond *errcode.Condition, connFailure bool) {
	var (
		ref   *egress.Refusal
		ee    *errcode.Error
		body  *requestBodyError
		stale *staleConnError
	)
	switch {
	case r.Context().Err() != nil:
		return errcode.Cancelled, false
	case context.Cause(ctx) == errHeaderTimeout, errors.Is(err, errHeaderTimeout):
		return errcode.DeadlineExceeded, false
	case errors.As(err, &ee):
		// The request body's reader refused (a size limit): not the
		// backend's fault.
		return ee.Cond, false
	case errors.As(err, &body):
		// The client broke off or mangled its own body (H1Transport).
		return errcode.Cancelled, false
	case errors.As(err, &ref):
		// The egress policy refused the address the target resolved
		// to: the backend is not down, it may not be reached.
		return errcode.SourceUnavailable, false
	case errors.As(err, &stale):
		// A pooled connection the backend had closed, or had left
		// stray bytes on (H1Transport, a request it may not send twice):
		// the backend is reachable, so its health does not suffer.
		if strayBytes(stale.err) {
			return errcode.BadGateway, false
		}
		return errcode.SourceUnavailable, false
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return errcode.SourceUnavailable, true
	case isDial(err):
		return errcode.SourceUnavailable, true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The backend closed the connection without answering.
		return errcode.SourceUnavailable, true
	}
	return errcode.BadGateway, false
}

func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// judge records the outcome of a round trip to t in its passive health and
// turns a failure into the call's error: an egress refusal is logged with
// its rule, a connection failure counts against t, any answer restores it.
// Forward and Upgrade share it, so that a tunnel's dial is judged like
// any other.
func (p *Pool) judge(ctx context.Context, r *http.Request, t *target, err error) error {
	if err == nil {
		p.succeeded(t)
		return nil
	}
	p.logRefusal(t, err)
	cond, connFailure := classify(ctx, r, err)
	if connFailure {
		p.failed(t)
	}
	return errcode.Wrap(cond, err)
}

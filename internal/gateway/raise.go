package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// The headers a backend raises a business error with (docs/errors.md,
// "Business errors"), in canonical form: the proxy copies the backend's
// headers under their canonical keys.
const (
	raiseHeader       = "X-Tollgate-Error"
	raiseDetailHeader = "X-Tollgate-Error-Detail"
)

// Bounds on what a raising backend sends: the detail that reaches the
// caller, the code that reaches the log, and the body that is read and
// thrown away before the connection is given up on.
const (
	maxRaiseDetail      = 256
	maxRaiseCodeLogged  = 64
	maxRaiseBodyDropped = 64 << 10
)

// errRaisedBodyTooLong stops the copy of the body of an answer that raised
// a business error once it is longer than anyone would send with one.
var errRaisedBodyTooLong = fmt.Errorf("gateway: the body of an answer that raised a business error is over %d bytes", maxRaiseBodyDropped)

// raise replaces the backend's answer, whose headers h hold
// X-Tollgate-Error, with the business error it names. It is called when
// the backend's status and headers arrive, before anything reaches the
// client. The code is looked up in the group's dialect, then in the
// group's own codes (snapshot.Env.Raisable); an unknown code is the
// dialect's internal error, logged. Either way the call becomes a failure
// (never charged); a known code counts as a business error.
//
// h loses every header the backend sent: the answer is the gateway's
// envelope, and X-Tollgate-Error* must never reach the caller. keep says
// whether h also holds the gateway's own headers, which stay.
func (g *Gateway) raise(c *Call, h http.Header, keep bool) {
	vv := h[raiseHeader]
	code := strings.TrimSpace(vv[0])
	detail := sanitizeDetail(h.Get(raiseDetailHeader))
	for k := range h {
		if !keep || !gatewayHeader(k) {
			delete(h, k)
		}
	}
	if entry, ok := c.Env.Raisable(code); ok {
		c.raised = errcode.Raise(entry, detail)
		c.business = true
		return
	}
	if len(code) > maxRaiseCodeLogged {
		code = code[:maxRaiseCodeLogged]
	}
	g.cfg.Logger.Warn("backend raised an unknown business error code",
		"group", c.Env.Group.ID, "environment", string(c.Env.Environment), "api", c.API.ID,
		"code", code, "requestId", c.RequestID)
	c.raised = errcode.Wrap(errcode.Internal, fmt.Errorf("the backend raised %q, which is neither a code of the %s dialect nor one of the group's", code, c.Env.Group.Dialect))
}

// gatewayHeader reports whether k is a header the gateway set on the
// answer before the backend answered: the request id and the rate limit's.
func gatewayHeader(k string) bool {
	return k == "X-Request-Id" || strings.HasPrefix(k, "Ratelimit-")
}

// sanitizeDetail bounds the backend's detail and keeps it printable: it
// is appended to the message the caller reads.
func sanitizeDetail(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > maxRaiseDetail {
		s = s[:maxRaiseDetail]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// raisedBody is what becomes of the body of an answer that raised a
// business error: it is read and dropped, so that the connection can
// carry the next call, up to maxRaiseBodyDropped.
func raisedBody(dropped *int, p []byte) (int, error) {
	*dropped += len(p)
	if *dropped > maxRaiseBodyDropped {
		return 0, errRaisedBodyTooLong
	}
	return len(p), nil
}

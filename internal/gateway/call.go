package gateway

import (
	"net/http"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/route"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// Call is one request on its way through the pipeline: what the stages
// found out and what it came to. Calls are pooled; a stage must not keep
// one, or anything pointing into it, past the request.
type Call struct {
	W     http.ResponseWriter
	R     *http.Request
	Start time.Time
	// RequestID is the caller's sane X-Request-Id, or a fresh one.
	RequestID string
	// Path is the request path, still escaped, in its normal form
	// (route.Normalize): the one the API was matched on and the upstream
	// path is built from.
	Path string

	// Snapshot is the configuration the call is served from, loaded once.
	Snapshot *snapshot.Snapshot
	// Env is the group environment the host names; nil before resolve.
	Env *snapshot.Env
	// API is the matched API; nil before match.
	API *snapshot.API
	// Match holds the captured path values and the rest of a prefix.
	Match route.Match[*snapshot.API]
	// Now is the time the call's credentials are judged at, read once
	// from the gateway's clock by authenticate.
	Now time.Time
	// Auth is what the request's signature proved, and Caller the key it
	// was made with; both zero for a group of auth type none.
	Auth   auth.Result
	Caller *snapshot.Caller
	// Sub is the caller's subscription to a market group; nil for any
	// other group.
	Sub *snapshot.Subscription
	// Quotas are the call quotas the call counts against: the
	// subscription's, or the authorization's; nil when there are none.
	Quotas *snapshot.Quotas

	// Err is the error the call was refused with; nil while it is fine.
	Err *errcode.Error
	// Status is the status the call was answered with (499 for a client
	// that went away).
	Status int
	// Result is what the backend (or the edge) wrote.
	Result proxy.Result
	// BytesIn counts the request body.
	BytesIn int64

	// raised is the business error the backend raised (see raise), which
	// replaces its answer; business: it named a known code.
	raised   *errcode.Error
	business bool

	// holds are the reservations taken at admission, settled once.
	holds holds
	// ops are the counts of the call's admission (traffic), and
	// settlement its end's (settle): kept here, as the call is pooled,
	// rather than allocated per call.
	ops        [6]limit.Op
	settlement limit.Settlement
	// proxied: the call reached the proxy stage, so it counts as usage.
	// settled: its holds were committed or released. charged: it was
	// billed.
	proxied, settled, charged bool
	// sw is the writer a streamed answer settles the call through.
	sw settlingWriter

	// debug is set on a debug call (debug.go); nil on a client's.
	debug *debugRun

	// clock times the call's stages when it is sampled (stagetime.go);
	// nil otherwise.
	clock *stageClock

	admitted    bool
	upstreamErr bool
	abort       bool
	body        *requestBody
	keys        snapshot.Keys // what Verify looks keys up in, by pointer
	vals        [8]string
	pathBuf     []byte
}

// begin readies a pooled call for r.
func (c *Call) begin(w http.ResponseWriter, r *http.Request) {
	*c = Call{W: w, R: r, Start: time.Now(), pathBuf: c.pathBuf[:0]}
}

// end drops the call's references before it goes back to the pool.
func (c *Call) end() {
	*c = Call{pathBuf: c.pathBuf[:0]}
}

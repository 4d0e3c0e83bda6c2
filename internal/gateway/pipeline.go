package gateway

import "github.com/tollgate-gw/tollgate/internal/telemetry"

// stage is one step of the request path. run returns nil to pass the call
// on, or an error (an *errcode.Error, possibly wrapped) to refuse it: the
// edge writes the error and the remaining stages are skipped, except those
// marked always.
type stage struct {
	name   string
	run    func(*Call) error
	always bool
	// timer records the stage's time on the calls that are timed
	// (stagetime.go).
	timer telemetry.StageTimer
}

// pipeline is the request path, in the order of docs/architecture.md ("The
// pipeline"). The order is part of the contract: when several things are
// wrong with a request, the earliest stage's error is the one returned.
// This list is the one place that fixes it.
func (g *Gateway) pipeline() []stage {
	return []stage{
		{name: "accept", run: g.accept},                 // request id, size limits, load shedding
		{name: "resolve", run: g.resolve},               // host → group + environment
		{name: "match", run: g.match},                   // method + path → API
		{name: "authenticate", run: g.authenticate},     // signature → key
		{name: "replay", run: g.replay},                 // signing time, expiry, nonce once
		{name: "identity", run: g.identity},             // key, account, user, blacklists, role
		{name: "authorize", run: g.authorize},           // allowed pins, authorization, API
		{name: "market", run: g.market},                 // subscription, balance hold
		{name: "traffic", run: g.traffic},               // rate limits, quota holds
		{name: "body", run: g.checkBody},                // body rules: presence, media type, size, picture
		{name: "validate", run: g.validate},             // declared parameters and JSON body
		{name: "outbound", run: g.outbound},             // identity headers in, credentials out
		{name: "mapping", run: g.mapParams},             // parameters renamed, moved, constants
		{name: "proxy", run: g.proxy},                   // backend: mock or upstream pool
		{name: "settle", run: g.settle, always: true},   // commit or release holds, usage
		{name: "account", run: g.account, always: true}, // metrics, access log
	}
}

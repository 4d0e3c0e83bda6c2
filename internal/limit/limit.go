// Package limit counts everything the data plane counts: rate limits,
// single-use nonces, quotas, balance holds and usage. All of it goes through
// one small interface, Counter, so that a distributed engine (Redis) can
// replace the in-memory one (Memory) without touching the pipeline.
//
// Rate limits are taken at admission (Allow). Quotas and money are reserved
// at admission (Reserve) and committed only when the backend answered with
// success (Commit), released otherwise (Release); a reservation nobody
// settles expires and is released, so a crashed request never leaks quota.
// A balance is a quota too: its limit is the account's total credit in
// minor units and its use is the account's total spend, so a hold can never
// take it below zero.
package limit

import (
	"context"
	"errors"
	"time"
)

// Counter is the one interface through which the data plane counts. Every
// method is atomic on its own: it reads and changes its counters as one
// step, whatever other callers do at the same time.
//
// Each method maps to one atomic operation of the Redis engine
// (rediscounter), which reads the time with Redis TIME inside its scripts
// so that every gateway node agrees on it. Keys carry the counter in a
// hash tag, {scope:id}, so that a counter's keys live in one cluster slot:
//
//	Allow    allow.lua    rl:{k}, a hash of the window's slots.
//	Once     SET n:{k} 1 NX PX ttl: Redis forgets the nonce after ttl.
//	Reserve  reserve.lua  q:{k} (period, end, used, held), q:{k}:h (holds
//	                      by deadline), q:{k}:n (their amounts); the node
//	                      passes the local days around its clock (Lua has
//	                      no zone database) and the script picks by TIME.
//	Commit   settle.lua   the same keys; Release too.
//	Add      usage.lua    u:{p:pin}:hour, the hour picked by TIME.
//	Usage    HGETALL of the account's hours (SCAN for every account).
//	Flush    nothing to wait for: Redis acknowledged every write.
//	Sync     with a ledger (ledger.go), the rows of the node's charges;
//	         without one, nothing: Redis's appendfsync decides.
//
// A call's admission and settlement go through Admit and Settle (batch.go),
// which the Redis engine runs, with the nonces, in one script shared by
// the calls waiting (step.lua).
//
// Every method takes a context and returns an error: the in-memory engine
// fails only when its journal cannot be written, but a network engine fails
// in ordinary ways, and the pipeline must decide what a failure means.
type Counter interface {
	// Allow takes n calls from the rate limit of k if they fit, and
	// reports the state of the limit either way.
	Allow(ctx context.Context, k Key, r Rate, n int64) (Decision, error)

	// Once reports whether k (scope: the access key; ID: the nonce) is
	// seen for the first time within ttl. It records k, so a second call
	// with the same k within ttl reports false. ttl is how long k must be
	// remembered, at least; it may be remembered up to twice as long.
	// With a timestamp window of ±w, pass 2w: a signed request stays
	// acceptable that long. Use few distinct ttls, one per configured
	// window, not one computed per request: each has its own sets.
	Once(ctx context.Context, k Key, ttl time.Duration) (bool, error)

	// Reserve holds n units of q if they fit: used + held + n <= limit.
	// The hold lasts until Commit, Release or the hold duration runs out
	// (zero means DefaultHold), whichever comes first. n == 0 holds
	// nothing and only reports the quota's state.
	Reserve(ctx context.Context, q Quota, n int64, hold time.Duration) (Reservation, error)

	// Commit turns a granted reservation into use. It returns
	// ErrUnknownReservation if the hold expired or was already settled.
	// Settling a reservation that was not granted does nothing.
	Commit(ctx context.Context, r Reservation) error

	// Release gives a granted reservation back. It returns
	// ErrUnknownReservation if the hold expired or was already settled.
	Release(ctx context.Context, r Reservation) error

	// Add counts u for k in the current hour.
	Add(ctx context.Context, k UsageKey, u Usage) error

	// Usage returns the usage counted for pin ("" for every account) in
	// the hours that start in [from, to), ordered by hour then key.
	Usage(ctx context.Context, pin string, from, to time.Time) ([]UsageRow, error)

	// Sync returns when everything counted before the call would survive
	// a crash of the process or the machine. Commit, Add and Once never
	// wait for the disk themselves: the pipeline calls Sync once per
	// request, before answering, when it needs the request's counts to be
	// durable (a charge), and not at all when it does not.
	Sync(ctx context.Context) error

	// Flush returns when everything counted before the call would
	// survive a crash of the process (kill -9), though not necessarily of
	// the machine. It is what Sync is without the wait for the disk: the
	// pipeline calls it before answering a call that was counted but not
	// charged, so that no call a client was told succeeded is missing
	// from usage after a restart, at the cost of a shared write(2)
	// rather than a shared fsync.
	Flush(ctx context.Context) error
}

// DefaultHold is how long a reservation is held when Reserve is given no
// duration.
const DefaultHold = 5 * time.Minute

// Errors returned by counters.
var (
	// ErrInvalid reports an argument that can never be counted, such as
	// a negative n or a rate of zero calls.
	ErrInvalid = errors.New("limit: invalid argument")
	// ErrUnknownReservation reports a Commit or Release of a hold that
	// no longer exists: it expired, or it was settled before.
	ErrUnknownReservation = errors.New("limit: unknown or expired reservation")
	// ErrClosed reports a call on a closed counter.
	ErrClosed = errors.New("limit: closed")
	// ErrUnavailable reports a counter that cannot be reached (a network
	// engine whose server is down): nothing was counted, and the caller
	// decides whether to let the call through. The gateway refuses calls
	// that need a quota or money counted with 503, never 500.
	ErrUnavailable = errors.New("limit: counters unavailable")
)

// Key names one counter: what is counted (Scope, such as "key", "user",
// "api", "sub", "balance", or for a nonce the access key) and which one (ID).
// Two strings rather than one so that the pipeline never concatenates on
// the hot path.
type Key struct {
	Scope, ID string
}

// BalanceScope is the scope of an account's balance (ID: the pin). Every
// plane that charges or reports a balance counts it under this scope.
const BalanceScope = "balance"

// Rate is a rate limit: at most Limit calls in any span of Per. Limit must
// be positive and at most 1<<32 - 1.
type Rate struct {
	Limit int64
	Per   time.Duration
}

// PerSecond returns a rate of n calls per second.
func PerSecond(n int64) Rate { return Rate{n, time.Second} }

// PerMinute returns a rate of n calls per minute.
func PerMinute(n int64) Rate { return Rate{n, time.Minute} }

// PerHour returns a rate of n calls per hour.
func PerHour(n int64) Rate { return Rate{n, time.Hour} }

// PerDay returns a rate of n calls in any 24 hours (a sliding day, not a
// calendar day: a calendar day is a Daily quota).
func PerDay(n int64) Rate { return Rate{n, 24 * time.Hour} }

// Decision is the outcome of Allow, shaped for the RateLimit-Limit,
// RateLimit-Remaining, RateLimit-Reset and Retry-After headers.
type Decision struct {
	Allowed bool
	// Limit is the rate's Limit.
	Limit int64
	// Remaining is how many more calls would be allowed now.
	Remaining int64
	// Reset is the time until the oldest counted call leaves the window,
	// freeing a slot; zero when nothing is counted.
	Reset time.Duration
	// RetryAfter is, when the calls were refused, the time until they
	// would fit; zero when they were allowed.
	RetryAfter time.Duration
}

// Quota is an allowance: Limit units per Period, counted under Key.
type Quota struct {
	Key    Key
	Limit  int64
	Period Period
}

// Reservation is what Reserve returns: a hold to settle with Commit or
// Release when Granted.
type Reservation struct {
	Key     Key
	Granted bool
	// ID identifies the hold; zero when nothing is held.
	ID uint64
	// N is the amount held.
	N int64
	// Limit is the quota's limit, and Remaining what is left of it once
	// this hold is counted (committed use and every live hold).
	Limit, Remaining int64
	// Reset is the time until the period ends and the quota starts
	// afresh; zero for a Total quota.
	Reset time.Duration
}

// UsageKey names one usage counter within an hour.
type UsageKey struct {
	AccessKey string
	Pin       string
	Group     string
	API       string
	Env       string
}

// Usage is what is counted per UsageKey and hour.
type Usage struct {
	// Calls is the number of admitted calls.
	Calls int64
	// OK is the number of calls the backend answered with success.
	OK int64
	// Charged is the money, in minor units, charged for the calls:
	// committed pay-per-call prices. Package calls paid in advance add
	// nothing here.
	Charged int64
	// Business is the number of calls the backend answered with a
	// business error (X-Tollgate-Error): counted in Calls, never charged.
	Business int64
}

// UsageRow is one hour of one UsageKey's usage.
type UsageRow struct {
	UsageKey
	Hour time.Time
	Usage
}

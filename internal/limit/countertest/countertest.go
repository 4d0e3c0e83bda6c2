// Package countertest is the conformance suite of limit.Counter: one set
// of tests that every engine must pass, so that the in-memory engine and
// the Redis engine make the same decisions — the same Decision and
// Reservation fields to the microsecond, the same quota periods, the same
// errors.
//
// Time is driven by a limit.ManualClock that moves in whole microseconds
// or crosses a boundary by a nanosecond (engines that count in
// microseconds round down, which never moves a call across a boundary
// that falls on a whole microsecond). Nonces are only checked within their
// ttl: how long after it an engine forgets one is its own (limit.Memory:
// up to 2·ttl, on its clock; Redis: ttl, on Redis's).
package countertest

import (
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Harness makes counters of one engine for the suite.
type Harness struct {
	// New returns an empty counter that shares nothing with the ones
	// made before, reading the time from clock; a nil clock is the real
	// time (the engine's own). The harness closes it when t ends.
	New func(t *testing.T, clock limit.Clock) limit.Counter
}

// Run runs the whole suite against h's engine.
func Run(t *testing.T, h Harness) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, Harness)
	}{
		{"AllowNoBurstAtBoundary", testAllowNoBurstAtBoundary},
		{"AllowSlidingWindowExact", testAllowSlidingWindowExact},
		{"AllowDecision", testAllowDecision},
		{"AllowChangedPeriodStartsAfresh", testAllowChangedPeriodStartsAfresh},
		{"AllowClockBackwards", testAllowClockBackwards},
		{"AllowInvalid", testAllowInvalid},
		{"AllowKeysIndependent", testAllowKeysIndependent},
		{"OnceWithinTTL", testOnceWithinTTL},
		{"OnceConcurrentSingleWinner", testOnceConcurrentSingleWinner},
		{"OnceInvalid", testOnceInvalid},
		{"ReserveConcurrentExact", testReserveConcurrentExact},
		{"ReserveLifecycle", testReserveLifecycle},
		{"ReserveExpiry", testReserveExpiry},
		{"ReserveDailyReset", testReserveDailyReset},
		{"ReserveDailyGapAtMidnight", testReserveDailyGapAtMidnight},
		{"ReserveHeldAcrossPeriods", testReserveHeldAcrossPeriods},
		{"BalanceNeverNegative", testBalanceNeverNegative},
		{"ReserveInvalid", testReserveInvalid},
		{"Usage", testUsage},
		{"UsageConcurrent", testUsageConcurrent},
		{"UsageCharged", testUsageCharged},
		{"Batch", testBatch},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, h) })
	}
}

// epoch is a start time aligned to every unit, so that tests can place
// calls just before a second, minute, hour or day begins.
var epoch = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

package admin

import (
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Login throttling: after maxLoginFailures failed attempts on one key (a
// pin and user, or a client address) within throttleWindow, the key is
// refused for throttleWindow, whatever it sends.
const (
	maxLoginFailures = 5
	throttleWindow   = 15 * time.Minute
)

// throttle counts failures per key and blocks a key that has too many.
// It lives in memory: a restart forgives, which costs an attacker a
// restart per five guesses. It is safe for concurrent use.
type throttle struct {
	clock  limit.Clock
	max    int
	window time.Duration

	mu      sync.Mutex
	entries map[string]*throttleEntry
	sweep   time.Time // when entries was last swept of stale keys
}

type throttleEntry struct {
	failures     []time.Time // within the window, oldest first
	blockedUntil time.Time
}

func newThrottle(clock limit.Clock, max int, window time.Duration) *throttle {
	return &throttle{clock: clock, max: max, window: window, entries: map[string]*throttleEntry{}}
}

// blocked reports whether any of keys is blocked now.
func (t *throttle) blocked(keys ...string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	for _, k := range keys {
		if e := t.entries[k]; e != nil && now.Before(e.blockedUntil) {
			return true
		}
	}
	return false
}

// fail records a failure of each of keys, blocking those that reach the
// limit.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	t.sweepStale(now)
	for _, k := range keys {
		e := t.entries[k]
		if e == nil {
			e = &throttleEntry{}
			t.entries[k] = e
		}
		e.failures = append(recent(e.failures, now.Add(-t.window)), now)
		if len(e.failures) >= t.max {
			e.blockedUntil = now.Add(t.window)
			e.failures = nil
		}
	}
}

// reset forgets the failures of key, after a success.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.entries[key]; e != nil && !t.clock.Now().Before(e.blockedUntil) {
		delete(t.entries, key)
	}
}

// recent returns the times of ts after since.
func recent(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

// sweepStale drops, once a window, the keys with no recent failure and
// no block, so that memory follows the failures of the last window.
func (t *throttle) sweepStale(now time.Time) {
	if now.Sub(t.sweep) < t.window {
		return
	}
	t.sweep = now
	since := now.Add(-t.window)
	for k, e := range t.entries {
		if len(recent(e.failures, since)) == 0 && !now.Before(e.blockedUntil) {
			delete(t.entries, k)
		}
	}
}

// stepLog remembers the last TOTP time step each account used, so that a
// code, once accepted, is not accepted again (RFC 6238, section 5.2).
type stepLog struct {
	mu   sync.Mutex
	last map[string]int64
}

func newStepLog() *stepLog { return &stepLog{last: map[string]int64{}} }

// use records step for pin and reports whether it is after the last one
// used.
func (l *stepLog) use(pin string, step int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if last, ok := l.last[pin]; ok && step <= last {
		return false
	}
	l.last[pin] = step
	return true
}

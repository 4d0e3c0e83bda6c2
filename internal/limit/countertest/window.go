package countertest

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

var units = []struct {
	name string
	rate limit.Rate
}{
	{"second", limit.PerSecond(10)},
	{"minute", limit.PerMinute(100)},
	{"hour", limit.PerHour(1000)},
	{"day", limit.PerDay(5)},
}

// width is a rate's slot width: its period cut into limit.WindowSlots.
func width(per time.Duration) time.Duration {
	return (per + limit.WindowSlots - 1) / limit.WindowSlots
}

// testAllowNoBurstAtBoundary takes the whole limit just before a unit
// boundary and tries again just after it, where a fixed window would let
// the whole limit through a second time.
func testAllowNoBurstAtBoundary(t *testing.T, h Harness) {
	ctx := context.Background()
	for _, u := range units {
		t.Run(u.name, func(t *testing.T) {
			per := u.rate.Per
			clock := limit.NewManualClock(epoch.Add(per - time.Millisecond))
			m := h.New(t, clock)
			k := limit.Key{Scope: "key", ID: u.name}
			for i := range u.rate.Limit {
				d, err := m.Allow(ctx, k, u.rate, 1)
				if err != nil || !d.Allowed {
					t.Fatalf("call %d before the boundary: %+v, %v", i, d, err)
				}
				if got, want := d.Remaining, u.rate.Limit-i-1; got != want {
					t.Fatalf("call %d: remaining %d, want %d", i, got, want)
				}
			}
			clock.Advance(2 * time.Millisecond) // across the boundary
			d, _ := m.Allow(ctx, k, u.rate, 1)
			if d.Allowed {
				t.Fatalf("allowed just after the boundary: a fixed window's 2x burst")
			}
			if d.Remaining != 0 || d.RetryAfter <= 0 || d.Reset <= 0 {
				t.Fatalf("refusal: %+v", d)
			}
			// Nothing frees before a whole period has passed since the
			// calls, and everything has freed a slot width after that.
			if got := d.RetryAfter + 2*time.Millisecond; got < per || got > per+width(per) {
				t.Fatalf("retry after %v from the calls, want in [%v, %v]", got, per, per+width(per))
			}
			clock.Advance(d.RetryAfter - time.Nanosecond)
			if d, _ := m.Allow(ctx, k, u.rate, 1); d.Allowed {
				t.Fatalf("allowed a nanosecond before retry-after")
			}
			clock.Advance(time.Nanosecond)
			for i := range u.rate.Limit {
				if d, _ := m.Allow(ctx, k, u.rate, 1); !d.Allowed {
					t.Fatalf("call %d refused at retry-after: %+v", i, d)
				}
			}
		})
	}
}

// testAllowSlidingWindowExact drives random traffic and checks every
// decision against the definition: no span of Per holds more than Limit
// admitted calls, and a refusal is only ever justified by the calls of the
// last Per plus one slot width.
func testAllowSlidingWindowExact(t *testing.T, h Harness) {
	ctx := context.Background()
	for _, u := range units {
		t.Run(u.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(u.rate.Per)))
			start := epoch.Add(time.Duration(rng.Int64N(int64(u.rate.Per))).Truncate(time.Microsecond))
			clock := limit.NewManualClock(start)
			m := h.New(t, clock)
			k := limit.Key{Scope: "key", ID: u.name}
			per := u.rate.Per
			type call struct {
				at time.Time
				n  int64
			}
			var admitted []call
			sumSince := func(from time.Time) (s int64) {
				for _, c := range admitted {
					if c.at.After(from) {
						s += c.n
					}
				}
				return s
			}
			// Mean gap per/(2*limit): twice the allowed rate, so that
			// both outcomes are frequent. Whole microseconds.
			gap := int64(per/time.Microsecond) / (u.rate.Limit * 2)
			for range 4000 {
				clock.Advance(time.Duration(rng.Int64N(2*gap+1)) * time.Microsecond)
				n := 1 + rng.Int64N(min(3, u.rate.Limit))
				now := clock.Now()
				d, err := m.Allow(ctx, k, u.rate, n)
				if err != nil {
					t.Fatal(err)
				}
				inPer := sumSince(now.Add(-per))
				if d.Allowed {
					admitted = append(admitted, call{now, n})
					if inPer+n > u.rate.Limit {
						t.Fatalf("at %v admitted %d with %d already in the last %v (limit %d)", now, n, inPer, per, u.rate.Limit)
					}
				} else if sumSince(now.Add(-per-width(per)))+n <= u.rate.Limit {
					t.Fatalf("at %v refused %d with only %d in the last %v", now, n, sumSince(now.Add(-per-width(per))), per+width(per))
				}
			}
			if len(admitted) < int(u.rate.Limit) {
				t.Fatalf("only %d calls admitted", len(admitted))
			}
		})
	}
}

func testAllowDecision(t *testing.T, h Harness) {
	ctx := context.Background()
	clock := limit.NewManualClock(epoch)
	m := h.New(t, clock)
	r := limit.PerSecond(4)
	k := limit.Key{Scope: "api", ID: "g1/users"}
	w := width(time.Second)
	steps := []struct {
		advance time.Duration
		n       int64
		want    limit.Decision
	}{
		{0, 1, limit.Decision{Allowed: true, Limit: 4, Remaining: 3, Reset: time.Second + w}},
		{w, 2, limit.Decision{Allowed: true, Limit: 4, Remaining: 1, Reset: time.Second}},
		{0, 2, limit.Decision{Allowed: false, Limit: 4, Remaining: 1, Reset: time.Second, RetryAfter: time.Second}},
		{0, 1, limit.Decision{Allowed: true, Limit: 4, Remaining: 0, Reset: time.Second}},
		{time.Second, 1, limit.Decision{Allowed: true, Limit: 4, Remaining: 0, Reset: w}},
		{w, 4, limit.Decision{Allowed: false, Limit: 4, Remaining: 3, Reset: time.Second, RetryAfter: time.Second}},
		// A fifth of a slot on (whole microseconds): Reset and RetryAfter
		// count to the end of the slot that frees.
		{w / 5, 3, limit.Decision{Allowed: true, Limit: 4, Remaining: 0, Reset: time.Second - w/5}},
		{0, 1, limit.Decision{Allowed: false, Limit: 4, Remaining: 0, Reset: time.Second - w/5, RetryAfter: time.Second - w/5}},
		// Everything forgotten after a quiet spell longer than the window.
		{time.Hour, 4, limit.Decision{Allowed: true, Limit: 4, Remaining: 0, Reset: time.Second + w - w/5}},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got, err := m.Allow(ctx, k, r, s.n)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("step %d: got %+v, want %+v", i, got, s.want)
		}
	}
}

func testAllowChangedPeriodStartsAfresh(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.New(t, limit.NewManualClock(epoch))
	k := limit.Key{Scope: "user", ID: "pin1"}
	if d, _ := m.Allow(ctx, k, limit.PerMinute(1), 1); !d.Allowed {
		t.Fatal("first call refused")
	}
	if d, _ := m.Allow(ctx, k, limit.PerMinute(1), 1); d.Allowed {
		t.Fatal("second call allowed")
	}
	// A raised limit with the same period counts what is there.
	if d, _ := m.Allow(ctx, k, limit.PerMinute(2), 1); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("raised limit: %+v", d)
	}
	if d, _ := m.Allow(ctx, k, limit.PerSecond(1), 1); !d.Allowed {
		t.Fatal("a new period did not start afresh")
	}
}

func testAllowClockBackwards(t *testing.T, h Harness) {
	ctx := context.Background()
	clock := limit.NewManualClock(epoch.Add(time.Hour))
	m := h.New(t, clock)
	k := limit.Key{Scope: "key", ID: "k"}
	r := limit.PerSecond(2)
	m.Allow(ctx, k, r, 2)
	clock.Advance(-10 * time.Second)
	if d, _ := m.Allow(ctx, k, r, 1); d.Allowed {
		t.Fatal("a clock going back freed the window")
	}
}

func testAllowInvalid(t *testing.T, h Harness) {
	m := h.New(t, nil)
	cases := []struct {
		rate limit.Rate
		n    int64
	}{
		{limit.Rate{Limit: 0, Per: time.Second}, 1},
		{limit.Rate{Limit: 10, Per: 0}, 1},
		{limit.Rate{Limit: 10, Per: time.Second}, 0},
		{limit.Rate{Limit: 10, Per: time.Second}, 11},
		{limit.Rate{Limit: 1 << 33, Per: time.Second}, 1},
	}
	for _, c := range cases {
		if _, err := m.Allow(context.Background(), limit.Key{Scope: "k", ID: "k"}, c.rate, c.n); !errors.Is(err, limit.ErrInvalid) {
			t.Errorf("Allow(%+v, %d): err %v, want ErrInvalid", c.rate, c.n, err)
		}
	}
}

func testAllowKeysIndependent(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.New(t, limit.NewManualClock(epoch))
	r := limit.PerSecond(1)
	// Scopes and IDs that a careless key layout would run together.
	keys := []limit.Key{{Scope: "key", ID: "a"}, {Scope: "key", ID: "b"}, {Scope: "user", ID: "a"}, {Scope: "api", ID: "a"},
		{Scope: "a:b", ID: "c"}, {Scope: "a", ID: "b:c"}, {Scope: "a}", ID: "b"}, {Scope: "a", ID: "}b"}, {Scope: "", ID: "x"}, {Scope: "x", ID: ""}}
	for _, k := range keys {
		if d, _ := m.Allow(ctx, k, r, 1); !d.Allowed {
			t.Errorf("%+v refused", k)
		}
	}
	for _, k := range keys {
		if d, _ := m.Allow(ctx, k, r, 1); d.Allowed {
			t.Errorf("%+v allowed a second call", k)
		}
	}
}

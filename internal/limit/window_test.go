package limit

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// epoch is a start time aligned to every unit, so that tests can place
// calls just before a second, minute, hour or day begins.
var epoch = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

var units = []struct {
	name string
	rate Rate
}{
	{"second", PerSecond(10)},
	{"minute", PerMinute(100)},
	{"hour", PerHour(1000)},
	{"day", PerDay(5)},
}

// TestAllowNoBurstAtBoundary takes the whole limit just before a unit
// boundary and tries again just after it, where a fixed window would let
// the whole limit through a second time.
func TestAllowNoBurstAtBoundary(t *testing.T) {
	ctx := context.Background()
	for _, u := range units {
		t.Run(u.name, func(t *testing.T) {
			per := u.rate.Per
			clock := NewManualClock(epoch.Add(per - time.Millisecond))
			m := NewMemory(Options{Clock: clock})
			k := Key{"key", u.name}
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
			width := (per + slots - 1) / slots
			if got := d.RetryAfter + 2*time.Millisecond; got < per || got > per+width {
				t.Fatalf("retry after %v from the calls, want in [%v, %v]", got, per, per+width)
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

// TestAllowSlidingWindowExact drives random traffic and checks every
// decision against the definition: no span of Per holds more than Limit
// admitted calls, and a refusal is only ever justified by the calls of the
// last Per plus one slot width.
func TestAllowSlidingWindowExact(t *testing.T) {
	ctx := context.Background()
	for _, u := range units {
		t.Run(u.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(u.rate.Per)))
			clock := NewManualClock(epoch.Add(time.Duration(rng.Int64N(int64(u.rate.Per)))))
			m := NewMemory(Options{Clock: clock})
			k := Key{"key", u.name}
			per := u.rate.Per
			width := (per + slots - 1) / slots
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
			// both outcomes are frequent.
			gap := int64(per) / (u.rate.Limit * 2)
			for range 4000 {
				clock.Advance(time.Duration(rng.Int64N(2*gap + 1)))
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
				} else if sumSince(now.Add(-per-width))+n <= u.rate.Limit {
					t.Fatalf("at %v refused %d with only %d in the last %v", now, n, sumSince(now.Add(-per-width)), per+width)
				}
			}
			if len(admitted) < int(u.rate.Limit) {
				t.Fatalf("only %d calls admitted", len(admitted))
			}
		})
	}
}

func TestAllowDecision(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	m := NewMemory(Options{Clock: clock})
	r := PerSecond(4)
	k := Key{"api", "g1/users"}
	width := time.Second / slots
	steps := []struct {
		advance time.Duration
		n       int64
		want    Decision
	}{
		{0, 1, Decision{Allowed: true, Limit: 4, Remaining: 3, Reset: time.Second + width}},
		{width, 2, Decision{Allowed: true, Limit: 4, Remaining: 1, Reset: time.Second}},
		{0, 2, Decision{Allowed: false, Limit: 4, Remaining: 1, Reset: time.Second, RetryAfter: time.Second}},
		{0, 1, Decision{Allowed: true, Limit: 4, Remaining: 0, Reset: time.Second}},
		{time.Second, 1, Decision{Allowed: true, Limit: 4, Remaining: 0, Reset: width}},
		{width, 4, Decision{Allowed: false, Limit: 4, Remaining: 3, Reset: time.Second, RetryAfter: time.Second}},
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

func TestAllowChangedPeriodStartsAfresh(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Options{Clock: NewManualClock(epoch)})
	k := Key{"user", "pin1"}
	if d, _ := m.Allow(ctx, k, PerMinute(1), 1); !d.Allowed {
		t.Fatal("first call refused")
	}
	if d, _ := m.Allow(ctx, k, PerMinute(1), 1); d.Allowed {
		t.Fatal("second call allowed")
	}
	// A raised limit with the same period counts what is there.
	if d, _ := m.Allow(ctx, k, PerMinute(2), 1); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("raised limit: %+v", d)
	}
	if d, _ := m.Allow(ctx, k, PerSecond(1), 1); !d.Allowed {
		t.Fatal("a new period did not start afresh")
	}
}

func TestAllowClockBackwards(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch.Add(time.Hour))
	m := NewMemory(Options{Clock: clock})
	k := Key{"key", "k"}
	r := PerSecond(2)
	m.Allow(ctx, k, r, 2)
	clock.Advance(-10 * time.Second)
	if d, _ := m.Allow(ctx, k, r, 1); d.Allowed {
		t.Fatal("a clock going back freed the window")
	}
}

func TestAllowInvalid(t *testing.T) {
	m := NewMemory(Options{})
	cases := []struct {
		rate Rate
		n    int64
	}{
		{Rate{0, time.Second}, 1},
		{Rate{10, 0}, 1},
		{Rate{10, time.Second}, 0},
		{Rate{10, time.Second}, 11},
		{Rate{1 << 33, time.Second}, 1},
	}
	for _, c := range cases {
		if _, err := m.Allow(context.Background(), Key{"k", "k"}, c.rate, c.n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Allow(%+v, %d): err %v, want ErrInvalid", c.rate, c.n, err)
		}
	}
}

func TestAllowKeysIndependent(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Options{Clock: NewManualClock(epoch)})
	r := PerSecond(1)
	keys := []Key{{"key", "a"}, {"key", "b"}, {"user", "a"}, {"api", "a"}}
	for _, k := range keys {
		if d, _ := m.Allow(ctx, k, r, 1); !d.Allowed {
			t.Errorf("%v refused", k)
		}
	}
}

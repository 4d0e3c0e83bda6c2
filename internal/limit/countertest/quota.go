package countertest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// testReserveConcurrentExact: 64 callers race for a quota with Q left;
// exactly Q win, whether they commit or release afterwards.
func testReserveConcurrentExact(t *testing.T, h Harness) {
	ctx := context.Background()
	cases := []struct {
		name   string
		limit  int64
		used   int64 // committed before the race
		commit bool
	}{
		{"commit, 10 left", 100, 90, true},
		{"release, 10 left", 100, 90, false},
		{"commit, 40 left", 40, 0, true},
		{"none left", 5, 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.New(t, nil)
			q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "s1"}, Limit: c.limit, Period: limit.Total}
			for range c.used {
				r, _ := m.Reserve(ctx, q, 1, 0)
				if err := m.Commit(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			var wins atomic.Int64
			var wg, tried sync.WaitGroup
			start := make(chan struct{})
			for range 64 {
				wg.Add(1)
				tried.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := m.Reserve(ctx, q, 1, time.Minute)
					// Settle only once everyone has tried, so that a
					// release cannot hand its unit to a later caller.
					tried.Done()
					tried.Wait()
					if err != nil {
						t.Error(err)
						return
					}
					if !r.Granted {
						return
					}
					wins.Add(1)
					if c.commit {
						err = m.Commit(ctx, r)
					} else {
						err = m.Release(ctx, r)
					}
					if err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if got, want := wins.Load(), min(c.limit-c.used, 64); got != want {
				t.Errorf("%d reservations granted, want %d", got, want)
			}
			peek, _ := m.Reserve(ctx, q, 0, 0)
			wantLeft := c.limit - c.used
			if c.commit {
				wantLeft -= wins.Load()
			}
			if peek.Remaining != wantLeft {
				t.Errorf("remaining %d, want %d", peek.Remaining, wantLeft)
			}
		})
	}
}

func testReserveLifecycle(t *testing.T, h Harness) {
	ctx := context.Background()
	clock := limit.NewManualClock(epoch)
	m := h.New(t, clock)
	q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "s1"}, Limit: 3, Period: limit.Total}

	if peek, err := m.Reserve(ctx, q, 0, 0); err != nil || !peek.Granted || peek.Remaining != 3 || peek.ID != 0 || peek.N != 0 {
		t.Fatalf("a look at an unused quota: %+v, %v", peek, err)
	}
	r1, _ := m.Reserve(ctx, q, 2, time.Minute)
	if !r1.Granted || r1.Remaining != 1 || r1.ID == 0 || r1.N != 2 || r1.Reset != 0 || r1.Limit != 3 || r1.Key != q.Key {
		t.Fatalf("first: %+v", r1)
	}
	if r, _ := m.Reserve(ctx, q, 2, time.Minute); r.Granted || r.Remaining != 1 || r.ID != 0 || r.N != 0 {
		t.Fatalf("over the limit: %+v", r)
	}
	if err := m.Release(ctx, r1); err != nil {
		t.Fatal(err)
	}
	if err := m.Release(ctx, r1); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("second release: %v", err)
	}
	if err := m.Commit(ctx, r1); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("commit after release: %v", err)
	}
	r2, _ := m.Reserve(ctx, q, 3, time.Minute)
	if !r2.Granted || r2.Remaining != 0 {
		t.Fatalf("after release: %+v", r2)
	}
	if err := m.Commit(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if err := m.Commit(ctx, r2); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("second commit: %v", err)
	}
	if r, _ := m.Reserve(ctx, q, 1, time.Minute); r.Granted {
		t.Fatalf("after commit of all: %+v", r)
	}
	if peek, _ := m.Reserve(ctx, q, 0, 0); !peek.Granted || peek.Remaining != 0 {
		t.Fatalf("a look at a used-up quota: %+v", peek)
	}
	// Settling a refused reservation does nothing.
	if err := m.Commit(ctx, limit.Reservation{Key: q.Key}); err != nil {
		t.Fatal(err)
	}
	if err := m.Release(ctx, limit.Reservation{Key: q.Key}); err != nil {
		t.Fatal(err)
	}
	// A raised limit (a balance topped up) makes room.
	q.Limit = 5
	if r, _ := m.Reserve(ctx, q, 2, time.Minute); !r.Granted || r.Remaining != 0 {
		t.Fatalf("after raising the limit: %+v", r)
	}
	// A lowered one leaves nothing, and a look says so.
	q.Limit = 2
	if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Granted || peek.Remaining != 0 {
		t.Fatalf("a look past a lowered limit: %+v", peek)
	}
	// Another quota's hold is unknown here.
	other := limit.Quota{Key: limit.Key{Scope: "sub", ID: "s2"}, Limit: 1, Period: limit.Total}
	ro, _ := m.Reserve(ctx, other, 1, time.Minute)
	ro.Key = q.Key
	if err := m.Commit(ctx, ro); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("commit of another quota's hold: %v", err)
	}
}

func testReserveExpiry(t *testing.T, h Harness) {
	ctx := context.Background()
	clock := limit.NewManualClock(epoch)
	m := h.New(t, clock)
	q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "s1"}, Limit: 2, Period: limit.Total}

	crashed, _ := m.Reserve(ctx, q, 1, 30*time.Second) // never settled
	slow, _ := m.Reserve(ctx, q, 1, time.Minute)
	if r, _ := m.Reserve(ctx, q, 1, time.Minute); r.Granted {
		t.Fatal("granted over the limit")
	}
	clock.Advance(30*time.Second - time.Nanosecond)
	if r, _ := m.Reserve(ctx, q, 1, time.Minute); r.Granted {
		t.Fatal("a hold expired early")
	}
	clock.Advance(time.Nanosecond)
	r, _ := m.Reserve(ctx, q, 1, time.Minute)
	if !r.Granted {
		t.Fatal("an expired hold was not released")
	}
	if err := m.Commit(ctx, crashed); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("commit of an expired hold: %v", err)
	}
	clock.Advance(30 * time.Second)
	// slow expired too, but has not been swept by a Reserve: Commit must
	// still see it as expired, and Release too.
	if err := m.Commit(ctx, slow); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("commit of an expired, unswept hold: %v", err)
	}
	if err := m.Release(ctx, slow); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("release of an expired hold: %v", err)
	}
	if err := m.Commit(ctx, r); err != nil {
		t.Fatal(err)
	}
	if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Remaining != 1 {
		t.Fatalf("remaining %d, want 1", peek.Remaining)
	}
	// The default hold is limit.DefaultHold.
	d, _ := m.Reserve(ctx, q, 1, 0)
	clock.Advance(limit.DefaultHold - time.Microsecond)
	if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Remaining != 0 {
		t.Fatalf("default hold gone early: remaining %d", peek.Remaining)
	}
	clock.Advance(time.Microsecond)
	if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Remaining != 1 {
		t.Fatalf("default hold kept past %v: remaining %d", limit.DefaultHold, peek.Remaining)
	}
	if err := m.Commit(ctx, d); !errors.Is(err, limit.ErrUnknownReservation) {
		t.Fatalf("commit after the default hold: %v", err)
	}
}

func testReserveDailyReset(t *testing.T, h Harness) {
	ctx := context.Background()
	for _, zone := range []string{"Asia/Shanghai", "America/New_York", "UTC"} {
		t.Run(zone, func(t *testing.T) {
			loc := mustZone(t, zone)
			// A minute before local midnight, on the night New York
			// springs forward.
			clock := limit.NewManualClock(time.Date(2025, 3, 8, 23, 59, 0, 0, loc))
			m := h.New(t, clock)
			q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "daily"}, Limit: 2, Period: limit.Daily(loc)}
			r1, _ := m.Reserve(ctx, q, 1, time.Hour)
			if r1.Reset != time.Minute {
				t.Fatalf("reset %v, want 1m", r1.Reset)
			}
			r2, _ := m.Reserve(ctx, q, 1, time.Hour)
			m.Commit(ctx, r1)
			if r, _ := m.Reserve(ctx, q, 1, time.Hour); r.Granted {
				t.Fatal("granted over the day's limit")
			}
			clock.Advance(time.Minute) // local midnight
			r3, _ := m.Reserve(ctx, q, 2, time.Hour)
			if !r3.Granted || r3.Remaining != 0 {
				t.Fatalf("the new day did not start afresh: %+v", r3)
			}
			wantDay := 24 * time.Hour
			if zone == "America/New_York" {
				wantDay = 23 * time.Hour
			}
			if r3.Reset != wantDay {
				t.Errorf("the new day lasts %v, want %v", r3.Reset, wantDay)
			}
			// Yesterday's hold, committed today, counts against
			// yesterday, not today.
			if err := m.Commit(ctx, r2); err != nil {
				t.Fatal(err)
			}
			m.Release(ctx, r3)
			if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Remaining != 2 {
				t.Fatalf("today's remaining %d, want 2", peek.Remaining)
			}
			// Just before the next midnight, nothing has reset yet.
			r4, _ := m.Reserve(ctx, q, 2, time.Hour)
			m.Commit(ctx, r4)
			clock.Set(time.Date(2025, 3, 10, 0, 0, 0, 0, loc).Add(-time.Nanosecond))
			if r, _ := m.Reserve(ctx, q, 1, time.Hour); r.Granted {
				t.Fatal("reset before midnight")
			}
			clock.Advance(time.Nanosecond)
			if r, _ := m.Reserve(ctx, q, 1, time.Hour); !r.Granted {
				t.Fatal("no reset at midnight")
			}
			// Days later, the quota starts afresh again.
			clock.Advance(72*time.Hour + 5*time.Hour)
			if r, _ := m.Reserve(ctx, q, 2, time.Hour); !r.Granted {
				t.Fatalf("three days later: %+v", r)
			}
		})
	}
}

// testReserveDailyGapAtMidnight: on 2018-11-04 Brazil moved its clocks
// from 00:00 to 01:00, so the day began at 01:00 (-02), 03:00 UTC.
func testReserveDailyGapAtMidnight(t *testing.T, h Harness) {
	ctx := context.Background()
	loc := mustZone(t, "America/Sao_Paulo")
	start := time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC)
	clock := limit.NewManualClock(start.Add(-time.Minute))
	m := h.New(t, clock)
	q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "br"}, Limit: 1, Period: limit.Daily(loc)}
	r, _ := m.Reserve(ctx, q, 1, time.Hour)
	if !r.Granted || r.Reset != time.Minute {
		t.Fatalf("before the gap: %+v, want granted, reset 1m", r)
	}
	m.Commit(ctx, r)
	clock.Set(start.Add(-time.Nanosecond))
	if r, _ := m.Reserve(ctx, q, 1, time.Hour); r.Granted {
		t.Fatal("reset before the day began")
	}
	clock.Set(start)
	r, _ = m.Reserve(ctx, q, 1, time.Hour)
	if !r.Granted || r.Reset != 23*time.Hour {
		t.Fatalf("at 01:00 -02: %+v, want granted, reset 23h", r)
	}
}

// testReserveHeldAcrossPeriods: a hold of yesterday does not count today,
// and settling it changes nothing of today's.
func testReserveHeldAcrossPeriods(t *testing.T, h Harness) {
	ctx := context.Background()
	clock := limit.NewManualClock(epoch.Add(-time.Minute))
	m := h.New(t, clock)
	q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "d"}, Limit: 3, Period: limit.Daily(time.UTC)}
	old, _ := m.Reserve(ctx, q, 2, time.Hour)
	clock.Advance(2 * time.Minute)
	today, _ := m.Reserve(ctx, q, 3, time.Hour)
	if !today.Granted {
		t.Fatalf("yesterday's hold counted today: %+v", today)
	}
	if err := m.Release(ctx, old); err != nil {
		t.Fatal(err)
	}
	if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Remaining != 0 {
		t.Fatalf("releasing yesterday's hold freed %d of today's", peek.Remaining)
	}
	if err := m.Release(ctx, today); err != nil {
		t.Fatal(err)
	}
	if peek, _ := m.Reserve(ctx, q, 0, 0); peek.Remaining != 3 || peek.Reset != 24*time.Hour-time.Minute {
		t.Fatalf("after release: %+v, want remaining 3, reset 23h59m", peek)
	}
}

// testBalanceNeverNegative: many callers hold prices against a balance
// (a Total quota whose limit is the credit); whatever the interleaving of
// commits and releases, the spend never passes the credit and every
// committed price is counted.
func testBalanceNeverNegative(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.New(t, nil)
	const credit = 10_000 // minor units
	bal := limit.Quota{Key: limit.Key{Scope: limit.BalanceScope, ID: "pin1"}, Limit: credit, Period: limit.Total}
	var spent atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			price := int64(1 + g%7)
			for i := range 100 {
				r, err := m.Reserve(ctx, bal, price, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Remaining < 0 {
					t.Errorf("remaining %d", r.Remaining)
				}
				if !r.Granted {
					continue
				}
				if i%3 == 0 {
					m.Release(ctx, r) // the backend failed: no charge
					continue
				}
				if err := m.Commit(ctx, r); err != nil {
					t.Error(err)
				}
				spent.Add(price)
			}
		}()
	}
	wg.Wait()
	if spent.Load() > credit {
		t.Fatalf("spent %d of a credit of %d", spent.Load(), credit)
	}
	peek, _ := m.Reserve(ctx, bal, 0, 0)
	if got, want := peek.Remaining, credit-spent.Load(); got != want {
		t.Fatalf("balance %d, want %d", got, want)
	}
	if spent.Load() < credit/2 {
		t.Fatalf("spent only %d: callers were refused with money left", spent.Load())
	}
}

func testReserveInvalid(t *testing.T, h Harness) {
	m := h.New(t, nil)
	if _, err := m.Reserve(context.Background(), limit.Quota{Key: limit.Key{Scope: "a", ID: "b"}, Limit: 1}, -1, 0); !errors.Is(err, limit.ErrInvalid) {
		t.Fatalf("err %v, want ErrInvalid", err)
	}
}

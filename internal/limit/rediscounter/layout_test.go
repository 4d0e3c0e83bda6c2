package rediscounter

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// TestReadsTheFirstLayout: counters written by the first scripts
// (testdata/v1: a window without fc, a quota without holds, exp and ttl,
// holds without their deadline in n) go on counting exactly with these —
// a Redis of a cluster that upgrades node by node keeps its windows and
// holds. Each step is made on limit.Memory too, and must agree.
func TestReadsTheFirstLayout(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	v1 := func(name string) *redis.Script {
		t.Helper()
		prelude, err := os.ReadFile("testdata/v1/prelude.lua")
		if err != nil {
			t.Fatal(err)
		}
		body, err := os.ReadFile("testdata/v1/" + name + ".lua")
		if err != nil {
			t.Fatal(err)
		}
		return redis.NewScript(string(prelude) + string(body))
	}
	oldAllow, oldReserve, oldSettle := v1("allow"), v1("reserve"), v1("settle")
	clock := limit.NewManualClock(time.Date(2025, 3, 1, 23, 59, 0, 0, time.UTC))
	c := newTestCounter(t, addr, Options{Clock: clock})
	m := limit.NewMemory(limit.Options{Clock: clock})
	defer m.Close()
	now := func() string { return strconv.FormatInt(clock.Now().UnixNano()/1000, 10) }

	t.Run("window", func(t *testing.T) {
		k, r := limit.Key{Scope: "api", ID: "old"}, limit.PerSecond(5)
		width := (int64(r.Per) + limit.WindowSlots - 1) / limit.WindowSlots
		// Three calls counted by the first allow.lua, in two slots.
		for _, step := range []time.Duration{0, 30 * time.Millisecond, 0} {
			clock.Advance(step)
			if err := oldAllow.Run(ctx, c.rdb, []string{c.rateKey(k)}, now(), strconv.FormatInt(int64(r.Per), 10), width/1000, r.Limit, 1).Err(); err != nil {
				t.Fatal(err)
			}
			m.Allow(ctx, k, r, 1)
		}
		for i, step := range []time.Duration{0, 0, 0, 400 * time.Millisecond, 600 * time.Millisecond, 0, 0, 0, 0} {
			clock.Advance(step)
			got, err := c.Allow(ctx, k, r, 1)
			want, _ := m.Allow(ctx, k, r, 1)
			if err != nil || got != want {
				t.Fatalf("call %d: got %+v, %v; want %+v", i, got, err, want)
			}
		}
	})

	t.Run("quota", func(t *testing.T) {
		for _, q := range []limit.Quota{
			{Key: limit.Key{Scope: "sub daily", ID: "old"}, Limit: 5, Period: limit.Daily(time.UTC)},
			{Key: limit.Key{Scope: "sub", ID: "old"}, Limit: 5, Period: limit.Total},
		} {
			t.Run(q.Period.String(), func(t *testing.T) {
				// Four holds by the first reserve.lua, the first two of a
				// minute; one committed by the first settle.lua.
				var old []limit.Reservation
				var mem []limit.Reservation
				for i, hold := range []time.Duration{time.Minute, time.Minute, time.Hour, time.Hour} {
					id := uint64(1000 + i)
					args := []any{now(), q.Limit, 1, micros(hold), strconv.FormatUint(id, 10)}
					args = c.periodFields(args, q.Period)
					if q.Period == limit.Total {
						args = args[:len(args)-7] // the first script took "T" alone
					}
					if err := oldReserve.Run(ctx, c.rdb, c.quotaKeys(q.Key), args...).Err(); err != nil {
						t.Fatal(err)
					}
					old = append(old, limit.Reservation{Key: q.Key, Granted: true, ID: id, N: 1})
					r, _ := m.Reserve(ctx, q, 1, hold)
					mem = append(mem, r)
				}
				if err := oldSettle.Run(ctx, c.rdb, c.quotaKeys(q.Key), now(), "1003", "1", "").Err(); err != nil {
					t.Fatal(err)
				}
				m.Commit(ctx, mem[3])
				check := func(step string) {
					t.Helper()
					got, err := c.Reserve(ctx, q, 0, 0)
					want, _ := m.Reserve(ctx, q, 0, 0)
					if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%s: got %+v, %v; want %+v", step, got, err, want)
					}
				}
				check("as written")
				// A first-layout hold is committed by the new settle.
				if err := c.Commit(ctx, old[2]); err != nil {
					t.Fatal(err)
				}
				m.Commit(ctx, mem[2])
				check("an old hold committed")
				// New holds beside the old ones, then the old minute holds
				// expire (midnight passes too, for the daily quota).
				g, _ := c.Reserve(ctx, q, 1, time.Hour)
				w, _ := m.Reserve(ctx, q, 1, time.Hour)
				if g.Granted != w.Granted || g.Remaining != w.Remaining {
					t.Fatalf("a new hold: got %+v, want %+v", g, w)
				}
				clock.Advance(2 * time.Minute)
				check("old holds expired")
				if err := c.Commit(ctx, old[0]); err != limit.ErrUnknownReservation {
					t.Errorf("committing an expired old hold: %v, want ErrUnknownReservation", err)
				}
				if err := c.Commit(ctx, g); err != nil {
					t.Fatal(err)
				}
				m.Commit(ctx, w)
				check("a new hold committed")
				clock.Advance(-2 * time.Minute)
			})
		}
	})
}

// TestHoldsKeysExpire: a daily quota's keys expire with the day (plus an
// hour), however its holds come and go — h and n are deleted by Redis when
// their last hold is settled and made afresh by the next, and the scripts
// set their expiry only then, not on every call — and a hold that outlives
// the day keeps them longer.
func TestHoldsKeysExpire(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	c := newTestCounter(t, addr, Options{})
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	q := limit.Quota{Key: limit.Key{Scope: "authz daily", ID: "a1"}, Limit: 100, Period: limit.Daily(time.UTC)}
	keys := c.quotaKeys(q.Key)
	now := time.Now()
	endOfDay := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC).Sub(now)
	lives := func(step string, min, max time.Duration) {
		t.Helper()
		for _, k := range keys {
			ttl, err := rdb.PTTL(ctx, k).Result()
			if err != nil || ttl < min || ttl > max {
				t.Errorf("%s: %s lives %v (%v), want in [%v, %v]", step, k, ttl, err, min, max)
			}
		}
	}
	day := [2]time.Duration{endOfDay + time.Hour - time.Minute, endOfDay + time.Hour + time.Second}
	for round := range 3 {
		r, err := c.Reserve(ctx, q, 1, time.Minute)
		if err != nil || !r.Granted {
			t.Fatalf("round %d: %+v, %v", round, r, err)
		}
		lives(fmt.Sprintf("round %d, held", round), day[0], day[1])
		if err := c.Commit(ctx, r); err != nil {
			t.Fatal(err)
		}
		if n, _ := rdb.Exists(ctx, keys[1], keys[2]).Result(); n != 0 {
			t.Fatalf("round %d: h and n still exist with no hold", round)
		}
	}
	// A hold of two days outlives the day: every key lives past it.
	if _, err := c.Reserve(ctx, q, 1, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	lives("a hold of two days", 49*time.Hour-time.Minute, 49*time.Hour+time.Second)
}

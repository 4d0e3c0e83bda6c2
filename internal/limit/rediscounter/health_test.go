package rediscounter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRedisDown stops Redis under three nodes and starts it again:
// meanwhile a rate limit admits L/N per node, nonces and usage are kept
// locally, quotas and holds are refused with ErrUnavailable (never another
// error), one log line and one metric mark each transition; once Redis is
// back the nodes are exact again and what was counted locally is in Redis.
func TestRedisDown(t *testing.T) {
	for _, ap := range []bool{false, true} {
		t.Run(fmt.Sprintf("autopipeline=%v", ap), func(t *testing.T) { testRedisDown(t, ap) })
	}
}

func testRedisDown(t *testing.T, autoPipeline bool) {
	srv := redistest.StartServer(t)
	ctx := context.Background()
	var logs syncBuffer
	reg := prometheus.NewRegistry()
	o := Options{Prefix: "down:", Nodes: 3, ProbeEvery: 20 * time.Millisecond, AutoPipeline: autoPipeline}
	first := o
	first.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	first.Registerer = reg
	cs := []*Counter{newTestCounter(t, srv.Addr(), first), newTestCounter(t, srv.Addr(), o), newTestCounter(t, srv.Addr(), o)}
	c := cs[0]

	rate := limit.PerHour(30)
	quota := limit.Quota{Key: limit.Key{Scope: "sub total", ID: "s1"}, Limit: 10, Period: limit.Total}
	before, err := c.Reserve(ctx, quota, 1, time.Minute)
	if err != nil || !before.Granted {
		t.Fatalf("reserve while up: %+v, %v", before, err)
	}

	srv.Stop()

	// A rate limit: this node's share, L/N, and no error.
	k := limit.Key{Scope: "api", ID: "g1/online/a"}
	var admitted int64
	for range 2 * rate.Limit {
		d, err := c.Allow(ctx, k, rate, 1)
		if err != nil {
			t.Fatalf("allow while down: %v", err)
		}
		if d.Limit != rate.Limit {
			t.Fatalf("decision while down reports limit %d, want %d", d.Limit, rate.Limit)
		}
		if d.Allowed {
			admitted++
		}
	}
	if want := rate.Limit / 3; admitted != want {
		t.Errorf("admitted %d while down, want this node's share %d", admitted, want)
	}
	if c.Up() {
		t.Fatal("still up after calls failed")
	}
	// Quotas, holds and reports: ErrUnavailable.
	if _, err := c.Reserve(ctx, quota, 1, time.Minute); !errors.Is(err, limit.ErrUnavailable) {
		t.Errorf("reserve while down: %v, want ErrUnavailable", err)
	}
	if err := c.Commit(ctx, before); !errors.Is(err, limit.ErrUnavailable) {
		t.Errorf("commit while down: %v, want ErrUnavailable", err)
	}
	if err := c.Release(ctx, before); !errors.Is(err, limit.ErrUnavailable) {
		t.Errorf("release while down: %v, want ErrUnavailable", err)
	}
	if _, err := c.Usage(ctx, "pin1", time.Now().Add(-time.Hour), time.Now().Add(time.Hour)); !errors.Is(err, limit.ErrUnavailable) {
		t.Errorf("usage while down: %v, want ErrUnavailable", err)
	}
	// The node that has not called yet finds out on its first call.
	if _, err := cs[1].Reserve(ctx, quota, 1, time.Minute); !errors.Is(err, limit.ErrUnavailable) {
		t.Errorf("reserve on another node while down: %v, want ErrUnavailable", err)
	}
	// Nonces and usage: kept locally.
	nonce := limit.Key{Scope: "AK1", ID: "n-down"}
	if fresh, err := c.Once(ctx, nonce, time.Minute); !fresh || err != nil {
		t.Errorf("fresh nonce while down: %v, %v", fresh, err)
	}
	if fresh, _ := c.Once(ctx, nonce, time.Minute); fresh {
		t.Error("replay to the same node accepted while down")
	}
	uk := limit.UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "a", Env: "online"}
	for range 3 {
		if err := c.Add(ctx, uk, limit.Usage{Calls: 1, OK: 1}); err != nil {
			t.Errorf("add while down: %v", err)
		}
	}
	if got := testutil.ToFloat64(c.health.transitions.WithLabelValues("down")); got != 1 {
		t.Errorf("transitions to down: %v, want 1", got)
	}
	if n, err := testutil.GatherAndCount(reg, "tollgate_counters_up"); err != nil || n != 1 {
		t.Fatalf("tollgate_counters_up: %d series, %v", n, err)
	}
	if got := gauge(t, reg, "tollgate_counters_up"); got != 0 {
		t.Errorf("tollgate_counters_up %v while down, want 0", got)
	}

	srv.Restart()
	restarted := time.Now()
	deadline := restarted.Add(10 * time.Second)
	for !c.Up() || !cs[1].Up() {
		if time.Now().After(deadline) {
			t.Fatal("not up 10s after Redis returned")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("up again %v after Redis answered", time.Since(restarted).Round(time.Millisecond))

	if got := gauge(t, reg, "tollgate_counters_up"); got != 1 {
		t.Errorf("tollgate_counters_up %v after return, want 1", got)
	}
	if got := testutil.ToFloat64(c.health.transitions.WithLabelValues("up")); got != 1 {
		t.Errorf("transitions to up: %v, want 1", got)
	}
	log := logs.String()
	if n := strings.Count(log, "redis is down"); n != 1 {
		t.Errorf("%d log lines of the outage, want 1:\n%s", n, log)
	}
	if n := strings.Count(log, "redis is back"); n != 1 {
		t.Errorf("%d log lines of the return, want 1:\n%s", n, log)
	}

	// What was counted locally is in Redis: the usage, and the nonce,
	// which another node now refuses.
	rows, err := cs[2].Usage(ctx, "pin1", time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(rows) != 1 || rows[0].Calls != 3 || rows[0].OK != 3 {
		t.Errorf("usage counted while down: %+v, %v; want one row of 3 calls", rows, err)
	}
	if fresh, err := cs[2].Once(ctx, nonce, time.Minute); fresh || err != nil {
		t.Errorf("nonce seen while down, replayed to another node after: fresh %v, %v", fresh, err)
	}

	// Exact again: 3 nodes admit exactly L of a fresh key.
	k2 := limit.Key{Scope: "api", ID: "g1/online/b"}
	var got atomic.Int64
	var wg sync.WaitGroup
	for g := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				d, err := cs[g%3].Allow(ctx, k2, rate, 1)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					got.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got.Load() != rate.Limit {
		t.Errorf("after the return 3 nodes admitted %d, want exactly %d", got.Load(), rate.Limit)
	}
	if r, err := cs[1].Reserve(ctx, quota, 1, time.Minute); err != nil || !r.Granted {
		t.Errorf("reserve after the return: %+v, %v", r, err)
	}
}

// gauge reads the value of a gauge without labels from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}

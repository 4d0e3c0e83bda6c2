package rediscounter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// nodes returns n counters on addr, each with its own client, as n gateway
// nodes would have: they share nothing but Redis.
func nodes(t *testing.T, addr string, n int, o Options) []*Counter {
	cs := make([]*Counter, n)
	for i := range cs {
		cs[i] = newTestCounter(t, addr, o)
	}
	return cs
}

// TestAllowExactAcrossNodes: 3 nodes behind one key limit L per window,
// called by 48 goroutines at once with three times L calls, admit exactly
// L — on Redis's clock, with no clock of the test's. (Distributed limits
// that count locally and sync later admit 10–20% more.)
func TestAllowExactAcrossNodes(t *testing.T) {
	addr := redistest.Start(t)
	for _, ap := range []bool{false, true} {
		t.Run(fmt.Sprintf("autopipeline=%v", ap), func(t *testing.T) { testAllowExactAcrossNodes(t, addr, ap) })
	}
}

func testAllowExactAcrossNodes(t *testing.T, addr string, autoPipeline bool) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		rate limit.Rate
	}{
		{"100 per hour", limit.PerHour(100)},
		{"250 per minute", limit.PerMinute(250)},
		{"1 per day", limit.PerDay(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := nodes(t, addr, 3, Options{Prefix: fmt.Sprintf("exact:%v:%s:", autoPipeline, tc.name), AutoPipeline: autoPipeline})
			k := limit.Key{Scope: "api", ID: "g1/online/getUser"}
			calls := 3 * tc.rate.Limit
			var admitted, refused, next atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range 48 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := cs[g%len(cs)]
					<-start
					for next.Add(1) <= calls {
						d, err := c.Allow(ctx, k, tc.rate, 1)
						if err != nil {
							t.Error(err)
							return
						}
						if d.Allowed {
							admitted.Add(1)
						} else {
							refused.Add(1)
							if d.RetryAfter <= 0 || d.RetryAfter > tc.rate.Per+tc.rate.Per/limit.WindowSlots+time.Microsecond {
								t.Errorf("refusal with retry after %v", d.RetryAfter)
							}
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			if got, want := admitted.Load(), tc.rate.Limit; got != want {
				t.Errorf("3 nodes admitted %d calls, want exactly %d", got, want)
			}
			if got, want := refused.Load(), calls-tc.rate.Limit; got != want {
				t.Errorf("refused %d calls, want %d", got, want)
			}
		})
	}
}

// TestReserveExactAcrossNodes: 64 concurrent callers spread over 3 nodes
// against a quota of Q get exactly Q grants, and the quota's use is Q once
// they commit.
func TestReserveExactAcrossNodes(t *testing.T) {
	addr := redistest.Start(t)
	for _, ap := range []bool{false, true} {
		t.Run(fmt.Sprintf("autopipeline=%v", ap), func(t *testing.T) { testReserveExactAcrossNodes(t, addr, ap) })
	}
}

func testReserveExactAcrossNodes(t *testing.T, addr string, autoPipeline bool) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		period limit.Period
		q      int64
		each   int // calls per caller
	}{
		{"total, 40 of 64", limit.Total, 40, 1},
		{"daily, 100 of 640", limit.Daily(time.UTC), 100, 10},
		{"total, 1 of 64", limit.Total, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := nodes(t, addr, 3, Options{Prefix: fmt.Sprintf("exactq:%v:%s:", autoPipeline, tc.name), AutoPipeline: autoPipeline})
			q := limit.Quota{Key: limit.Key{Scope: "sub total", ID: "s1"}, Limit: tc.q, Period: tc.period}
			var granted atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := cs[g%len(cs)]
					<-start
					for range tc.each {
						r, err := c.Reserve(ctx, q, 1, time.Minute)
						if err != nil {
							t.Error(err)
							return
						}
						if !r.Granted {
							continue
						}
						granted.Add(1)
						if err := c.Commit(ctx, r); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			if got := granted.Load(); got != tc.q {
				t.Errorf("%d grants across 3 nodes, want exactly %d", got, tc.q)
			}
			for i, c := range cs {
				if peek, err := c.Reserve(ctx, q, 0, 0); err != nil || peek.Remaining != 0 || !peek.Granted {
					t.Errorf("node %d sees %+v, %v; want nothing remaining", i, peek, err)
				}
			}
		})
	}
}

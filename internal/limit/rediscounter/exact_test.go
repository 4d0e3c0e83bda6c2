package rediscounter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

// TestAdmitExactAcrossNodes: the one-script admission and settlement
// (limit.Admit, limit.Settle) are as exact as the methods: 64 callers over
// 3 nodes, each call a key limit of L per hour and a daily quota of Q < L,
// get exactly L calls past the limit and exactly Q holds, all committed
// with their usage.
func TestAdmitExactAcrossNodes(t *testing.T) {
	addr := redistest.Start(t)
	for _, ap := range []bool{false, true} {
		t.Run(fmt.Sprintf("autopipeline=%v", ap), func(t *testing.T) {
			ctx := context.Background()
			const l, q, calls = 150, 100, 640
			cs := nodes(t, addr, 3, Options{Prefix: fmt.Sprintf("exacta:%v:", ap), AutoPipeline: ap})
			rate := limit.PerHour(l)
			quota := limit.Quota{Key: limit.Key{Scope: "authz daily", ID: "a1"}, Limit: q, Period: limit.Daily(time.UTC)}
			uk := limit.UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "getUser", Env: "online"}
			var passed, granted, next atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := cs[g%len(cs)]
					<-start
					for next.Add(1) <= calls {
						ops := []limit.Op{limit.AllowOp(limit.Key{Scope: "key", ID: "AK1"}, rate, 1), limit.ReserveOp(quota, 1, time.Minute)}
						limit.Admit(ctx, c, ops)
						if ops[0].Err != nil || ops[1].Err != nil {
							t.Error(ops[0].Err, ops[1].Err)
							return
						}
						if !ops[0].Decision.Allowed {
							continue
						}
						passed.Add(1)
						if !ops[1].Reservation.Granted {
							continue
						}
						granted.Add(1)
						s := limit.Settlement{Holds: []limit.Reservation{ops[1].Reservation}, Commit: true,
							Count: true, UsageKey: uk, Usage: limit.Usage{Calls: 1, OK: 1}, Charge: -1}
						if err := limit.Settle(ctx, c, &s); err != nil || !s.Holds[0].Granted {
							t.Error(err, s.Holds[0])
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			if got := passed.Load(); got != l {
				t.Errorf("%d calls past the limit across 3 nodes, want exactly %d", got, l)
			}
			if got := granted.Load(); got != q {
				t.Errorf("%d holds across 3 nodes, want exactly %d", got, q)
			}
			if peek, err := cs[1].Reserve(ctx, quota, 0, 0); err != nil || peek.Remaining != 0 {
				t.Errorf("the quota: %+v, %v; want nothing remaining", peek, err)
			}
			rows, err := cs[2].Usage(ctx, "pin1", time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
			var u limit.Usage
			for _, r := range rows { // one hour, or two if it turned meanwhile
				u.Calls, u.OK = u.Calls+r.Calls, u.OK+r.OK
			}
			if err != nil || u.Calls != q || u.OK != q {
				t.Errorf("usage %+v, %v; want %d calls, all OK", rows, err, q)
			}
		})
	}
}

// TestAdmitCombinedDecidesInTurn: admissions that wait together go to
// Redis in one script, which decides each call as if it ran alone, one
// after the other: 64 callers on one node, 300 calls of a key limit of 100
// an hour and a quota of 60, get exactly 100 calls past the limit, each
// told a different number remaining (99 down to 0), and exactly 60 holds,
// each told a different number left — and fewer scripts than calls. Then
// the 60 holds are settled together, every other one committed, each with
// its usage: the quota has used exactly the 30 committed, and usage counts
// all 100 calls.
func TestAdmitCombinedDecidesInTurn(t *testing.T) {
	addr := redistest.Start(t)
	for _, ap := range []bool{false, true} {
		t.Run(fmt.Sprintf("autopipeline=%v", ap), func(t *testing.T) {
			ctx := context.Background()
			const l, q, calls = 100, 60, 300
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
			rt := new(roundTrips)
			rdb.AddHook(rt)
			c, err := New(rdb, Options{Prefix: fmt.Sprintf("turn:%v:", ap), AutoPipeline: ap})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			rate := limit.PerHour(l)
			quota := limit.Quota{Key: limit.Key{Scope: "sub total", ID: "s1"}, Limit: q, Period: limit.Total}
			var (
				mu              sync.Mutex
				remaining, left = map[int64]int{}, map[int64]int{}
				holds           []limit.Reservation
				next            atomic.Int64
				wg              sync.WaitGroup
			)
			start := make(chan struct{})
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for next.Add(1) <= calls {
						ops := []limit.Op{limit.AllowOp(limit.Key{Scope: "key", ID: "AK1"}, rate, 1), limit.ReserveOp(quota, 1, time.Minute)}
						limit.Admit(ctx, c, ops)
						if ops[0].Err != nil || ops[1].Err != nil {
							t.Error(ops[0].Err, ops[1].Err)
							return
						}
						mu.Lock()
						if d := ops[0].Decision; d.Allowed {
							remaining[d.Remaining]++
							if r := ops[1].Reservation; r.Granted {
								left[r.Remaining]++
								holds = append(holds, r)
							}
						}
						mu.Unlock()
					}
				}()
			}
			before := rt.cmds.Load()
			close(start)
			wg.Wait()
			for name, got := range map[string]map[int64]int{"remaining": remaining, "left": left} {
				want := int64(l)
				if name == "left" {
					want = q
				}
				if int64(len(got)) != want {
					t.Errorf("%d distinct %s values, want %d: %v", len(got), name, want, got)
				}
				for v, n := range got {
					if v < 0 || v >= want || n != 1 {
						t.Errorf("%s %d told %d times, want once, in [0, %d)", name, v, n, want)
					}
				}
			}
			if scripts := rt.cmds.Load() - before; scripts >= calls {
				t.Errorf("%d scripts for %d admissions: none combined", scripts, calls)
			}

			uk := limit.UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "getUser", Env: "online"}
			before = rt.cmds.Load()
			start = make(chan struct{})
			for i := range l {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					s := limit.Settlement{Count: true, UsageKey: uk, Usage: limit.Usage{Calls: 1}, Charge: -1}
					if i < len(holds) {
						s.Holds, s.Commit = holds[i:i+1], i%2 == 0
					}
					if err := limit.Settle(ctx, c, &s); err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if peek, err := c.Reserve(ctx, quota, 0, 0); err != nil || peek.Remaining != q-q/2 {
				t.Errorf("the quota after %d commits: %+v, %v; want %d remaining", q/2, peek, err, q-q/2)
			}
			rows, err := c.Usage(ctx, "pin1", time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
			var counted int64
			for _, r := range rows {
				counted += r.Calls
			}
			if err != nil || counted != l {
				t.Errorf("usage: %+v, %v; want %d calls", rows, err, l)
			}
			if scripts := rt.cmds.Load() - before; scripts >= l {
				t.Errorf("%d scripts for %d settlements: none combined", scripts, l)
			}
		})
	}
}

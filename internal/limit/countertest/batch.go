package countertest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// testBatch: limit.Admit and limit.Settle on the engine make, call after
// call, the decisions that the Counter methods make one at a time on
// limit.Memory (limit.AdmitEach, limit.SettleEach), on one clock: the same
// limits refusing, the same ops left uncounted after a refusal, the same
// holds, the same usage with its charges — across a slot, a second and a
// midnight, with holds committed, released and left to expire, and an
// invalid rate limit that fails without stopping the admission.
func testBatch(t *testing.T, h Harness) {
	ctx := context.Background()
	// Ten seconds before midnight: the daily quota starts afresh midway.
	clock := limit.NewManualClock(epoch.Add(24*time.Hour - 10*time.Second))
	got := h.New(t, clock)
	want := limit.NewMemory(limit.Options{Clock: clock})
	t.Cleanup(func() { want.Close() })

	daily := limit.Quota{Key: limit.Key{Scope: "sub daily", ID: "s1"}, Limit: 7, Period: limit.Daily(time.UTC)}
	total := limit.Quota{Key: limit.Key{Scope: "sub", ID: "s1"}, Limit: 40, Period: limit.Total}
	ops := func(i int) []limit.Op {
		ak := []string{"AK1", "AK2"}[i%2]
		o := []limit.Op{
			limit.AllowOp(limit.Key{Scope: "key", ID: ak}, limit.PerSecond(3), 1),
			limit.AllowOp(limit.Key{Scope: "user", ID: "pin1"}, limit.PerSecond(5), 1),
			limit.AllowOp(limit.Key{Scope: "api", ID: "g1/online/getUser"}, limit.PerSecond(4), 1),
			limit.ReserveOp(daily, 1, time.Minute),
			limit.ReserveOp(total, 1, time.Minute),
		}
		if i%5 == 4 {
			// n = 0 can never be counted: ErrInvalid, and the next
			// limits still count.
			o[1] = limit.AllowOp(limit.Key{Scope: "user", ID: "pin1"}, limit.PerSecond(5), 0)
		}
		return o
	}
	type late struct {
		g, w limit.Settlement
		i    int
	}
	var (
		deferred []late
		expired  int
	)
	for i := range 60 {
		og, ow := ops(i), ops(i)
		limit.Admit(ctx, got, og)
		limit.AdmitEach(ctx, want, ow)
		for j := range og {
			if g, w := outcome(og[j]), outcome(ow[j]); g != w {
				t.Fatalf("call %d, op %d: got %s, want %s", i, j, g, w)
			}
		}
		settlement := func(o []limit.Op) limit.Settlement {
			return limit.Settlement{
				Holds:    []limit.Reservation{o[3].Reservation, o[4].Reservation},
				Commit:   i%3 != 0,
				Count:    true,
				UsageKey: limit.UsageKey{AccessKey: og[0].Key().ID, Pin: "pin1", Group: "g1", API: "getUser", Env: "online"},
				Usage:    limit.Usage{Calls: 1, OK: int64(min(i%3, 1))},
				Charge:   1,
			}
		}
		sg, sw := settlement(og), settlement(ow)
		if i%4 == 1 {
			// Settled after its holds expired.
			deferred = append(deferred, late{sg, sw, i})
		} else {
			settleBoth(t, ctx, got, want, &sg, &sw, i)
		}
		clock.Advance(time.Duration(40+i%9*50) * time.Millisecond)
		if i == 30 || i == 59 {
			clock.Advance(61 * time.Second)
			for _, d := range deferred {
				settleBoth(t, ctx, got, want, &d.g, &d.w, d.i)
				if d.g.Commit && d.g.Holds[1].ID != 0 {
					expired++
				}
			}
			deferred = nil
		}
	}
	if expired == 0 {
		t.Error("no hold was committed after it expired")
	}
	for _, q := range []limit.Quota{daily, total} {
		g, errG := got.Reserve(ctx, q, 0, 0)
		w, errW := want.Reserve(ctx, q, 0, 0)
		if fmt.Sprint(g, errG) != fmt.Sprint(w, errW) {
			t.Errorf("%v at the end: got %+v, %v; want %+v, %v", q.Key, g, errG, w, errW)
		}
	}
	from, to := epoch, epoch.Add(48*time.Hour)
	g, errG := got.Usage(ctx, "pin1", from, to)
	w, errW := want.Usage(ctx, "pin1", from, to)
	if errG != nil || errW != nil || !reflect.DeepEqual(g, w) {
		t.Errorf("usage:\ngot  %+v, %v\nwant %+v, %v", g, errG, w, errW)
	}
}

func settleBoth(t *testing.T, ctx context.Context, got, want limit.Counter, sg, sw *limit.Settlement, i int) {
	t.Helper()
	errG, errW := limit.Settle(ctx, got, sg), limit.Settle(ctx, want, sw)
	if errG != nil || errW != nil {
		t.Fatalf("settling call %d: got %v, want %v", i, errG, errW)
	}
	for j := range sg.Holds {
		if g, w := sg.Holds[j].Granted, sw.Holds[j].Granted; g != w {
			t.Fatalf("settling call %d, hold %d: granted %v, want %v", i, j, g, w)
		}
	}
}

// outcome is an op's result as text, without a hold's random id.
func outcome(op limit.Op) string {
	r := op.Reservation
	r.ID = 0
	return fmt.Sprintf("%+v %+v err=%v", op.Decision, r, op.Err != nil)
}

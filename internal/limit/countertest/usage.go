package countertest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

func testUsage(t *testing.T, h Harness) {
	ctx := context.Background()
	clock := limit.NewManualClock(epoch.Add(10*time.Hour + 59*time.Minute))
	m := h.New(t, clock)
	a := limit.UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "getUser", Env: "online"}
	b := limit.UsageKey{AccessKey: "AK2", Pin: "pin2", Group: "g1", API: "getUser", Env: "test"}
	// Fields that a careless encoding would run together.
	c := limit.UsageKey{AccessKey: "AK1g", Pin: "pin1", Group: "1", API: "getUser", Env: "online"}
	none := limit.UsageKey{Group: "g1", API: "open", Env: "online"} // a call without a caller
	for _, add := range []struct {
		k limit.UsageKey
		u limit.Usage
	}{
		{a, limit.Usage{Calls: 1, OK: 1}},
		{a, limit.Usage{Calls: 1}},
		{b, limit.Usage{Calls: 1, OK: 1}},
		{c, limit.Usage{Calls: 1, Business: 1}},
		{none, limit.Usage{Calls: 2, OK: 1, Charged: 7}},
	} {
		if err := m.Add(ctx, add.k, add.u); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Minute) // 11:00: a new hour
	m.Add(ctx, a, limit.Usage{Calls: 1, OK: 1})

	h10, h11 := epoch.Add(10*time.Hour), epoch.Add(11*time.Hour)
	cases := []struct {
		name     string
		pin      string
		from, to time.Time
		want     []limit.UsageRow
	}{
		{"all", "", epoch, epoch.Add(24 * time.Hour), []limit.UsageRow{
			{UsageKey: none, Hour: h10, Usage: limit.Usage{Calls: 2, OK: 1, Charged: 7}},
			{UsageKey: a, Hour: h10, Usage: limit.Usage{Calls: 2, OK: 1}},
			{UsageKey: c, Hour: h10, Usage: limit.Usage{Calls: 1, Business: 1}},
			{UsageKey: b, Hour: h10, Usage: limit.Usage{Calls: 1, OK: 1}},
			{UsageKey: a, Hour: h11, Usage: limit.Usage{Calls: 1, OK: 1}},
		}},
		{"one account", "pin1", epoch, epoch.Add(24 * time.Hour), []limit.UsageRow{
			{UsageKey: a, Hour: h10, Usage: limit.Usage{Calls: 2, OK: 1}},
			{UsageKey: c, Hour: h10, Usage: limit.Usage{Calls: 1, Business: 1}},
			{UsageKey: a, Hour: h11, Usage: limit.Usage{Calls: 1, OK: 1}},
		}},
		{"hours starting in [10:00, 11:00)", "", h10, h11, []limit.UsageRow{
			{UsageKey: none, Hour: h10, Usage: limit.Usage{Calls: 2, OK: 1, Charged: 7}},
			{UsageKey: a, Hour: h10, Usage: limit.Usage{Calls: 2, OK: 1}},
			{UsageKey: c, Hour: h10, Usage: limit.Usage{Calls: 1, Business: 1}},
			{UsageKey: b, Hour: h10, Usage: limit.Usage{Calls: 1, OK: 1}},
		}},
		{"an hour starting after from only", "pin1", h10.Add(time.Second), h11.Add(time.Second), []limit.UsageRow{
			{UsageKey: a, Hour: h11, Usage: limit.Usage{Calls: 1, OK: 1}},
		}},
		{"nobody", "pin9", epoch, epoch.Add(24 * time.Hour), nil},
		{"before anything", "", epoch.Add(-48 * time.Hour), epoch, nil},
	}
	for _, c := range cases {
		got, err := m.Usage(ctx, c.pin, c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func testUsageConcurrent(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.New(t, limit.NewManualClock(epoch))
	k := limit.UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "a", Env: "online"}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 250 {
				if err := m.Add(ctx, k, limit.Usage{Calls: 1, OK: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rows, _ := m.Usage(ctx, "", epoch, epoch.Add(time.Hour))
	if len(rows) != 1 || rows[0].Calls != 4000 || rows[0].OK != 4000 {
		t.Fatalf("rows %+v, want one row of 4000 calls, all ok", rows)
	}
}

// testUsageCharged: Charged sums the money of an hour's calls, and a call
// that charged nothing leaves it alone.
func testUsageCharged(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.New(t, limit.NewManualClock(epoch))
	k := limit.UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "a", Env: "online"}
	free := limit.UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "free", Env: "online"}
	m.Add(ctx, k, limit.Usage{Calls: 1, OK: 1, Charged: 25})
	m.Add(ctx, k, limit.Usage{Calls: 1})
	m.Add(ctx, k, limit.Usage{Calls: 1, OK: 1, Charged: 25})
	m.Add(ctx, free, limit.Usage{Calls: 1, OK: 1})
	want := []limit.UsageRow{
		{UsageKey: k, Hour: epoch, Usage: limit.Usage{Calls: 3, OK: 2, Charged: 50}},
		{UsageKey: free, Hour: epoch, Usage: limit.Usage{Calls: 1, OK: 1}},
	}
	got, _ := m.Usage(ctx, "p", epoch, epoch.Add(time.Hour))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

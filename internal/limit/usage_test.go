package limit

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestUsage(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch.Add(10*time.Hour + 59*time.Minute))
	m := NewMemory(Options{Clock: clock, UsageRetention: 48 * time.Hour})
	a := UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "getUser", Env: "online"}
	b := UsageKey{AccessKey: "AK2", Pin: "pin2", Group: "g1", API: "getUser", Env: "test"}
	m.Add(ctx, a, Usage{Calls: 1, OK: 1})
	m.Add(ctx, a, Usage{Calls: 1})
	m.Add(ctx, b, Usage{Calls: 1, OK: 1})
	clock.Advance(time.Minute) // 11:00: a new hour
	m.Add(ctx, a, Usage{Calls: 1, OK: 1})

	h10, h11 := epoch.Add(10*time.Hour), epoch.Add(11*time.Hour)
	cases := []struct {
		name     string
		pin      string
		from, to time.Time
		want     []UsageRow
	}{
		{"all", "", epoch, epoch.Add(24 * time.Hour), []UsageRow{
			{a, h10, Usage{2, 1}},
			{b, h10, Usage{1, 1}},
			{a, h11, Usage{1, 1}},
		}},
		{"one account", "pin1", epoch, epoch.Add(24 * time.Hour), []UsageRow{
			{a, h10, Usage{2, 1}},
			{a, h11, Usage{1, 1}},
		}},
		{"hours starting in [10:00, 11:00)", "", h10, h11, []UsageRow{
			{a, h10, Usage{2, 1}},
			{b, h10, Usage{1, 1}},
		}},
		{"an hour starting after from only", "", h10.Add(time.Second), h11.Add(time.Second), []UsageRow{
			{a, h11, Usage{1, 1}},
		}},
		{"nobody", "pin9", epoch, epoch.Add(24 * time.Hour), nil},
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

	// Past retention, the sweep forgets the rows.
	clock.Advance(49 * time.Hour)
	m.Add(ctx, b, Usage{Calls: 1})
	got, _ := m.Usage(ctx, "pin1", epoch, epoch.Add(100*time.Hour))
	if len(got) != 0 {
		t.Errorf("rows past retention: %+v", got)
	}
}

func TestUsageConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Options{Clock: NewManualClock(epoch)})
	k := UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "a", Env: "online"}
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				m.Add(ctx, k, Usage{Calls: 1, OK: 1})
			}
		}()
	}
	wg.Wait()
	rows, _ := m.Usage(ctx, "", epoch, epoch.Add(time.Hour))
	if len(rows) != 1 || rows[0].Calls != 16000 || rows[0].OK != 16000 {
		t.Fatalf("rows %+v", rows)
	}
}

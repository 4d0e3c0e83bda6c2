package limit

import (
	"bytes"
	"context"
	"encoding/binary"
	"reflect"
	"testing"
	"time"
)

// TestUsageRetention: rows past retention are forgotten by the sweep.
// (What Usage returns is the conformance suite's: countertest.)
func TestUsageRetention(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch.Add(10*time.Hour + 59*time.Minute))
	m := NewMemory(Options{Clock: clock, UsageRetention: 48 * time.Hour})
	a := UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "getUser", Env: "online"}
	b := UsageKey{AccessKey: "AK2", Pin: "pin2", Group: "g1", API: "getUser", Env: "test"}
	m.Add(ctx, a, Usage{Calls: 1, OK: 1})
	clock.Advance(time.Minute)
	m.Add(ctx, a, Usage{Calls: 1, OK: 1})
	if got, _ := m.Usage(ctx, "pin1", epoch, epoch.Add(100*time.Hour)); len(got) != 2 {
		t.Fatalf("rows within retention: %+v, want 2", got)
	}
	clock.Advance(49 * time.Hour)
	m.Add(ctx, b, Usage{Calls: 1})
	if got, _ := m.Usage(ctx, "pin1", epoch, epoch.Add(100*time.Hour)); len(got) != 0 {
		t.Errorf("rows past retention: %+v", got)
	}
}

func TestUsageCharged(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	dir := t.TempDir()
	m := openTestMemory(t, dir, Options{Clock: clock})
	k := UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "a", Env: "online"}
	free := UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "free", Env: "online"}
	m.Add(ctx, k, Usage{Calls: 1, OK: 1, Charged: 25})
	m.Add(ctx, k, Usage{Calls: 1})
	m.Add(ctx, k, Usage{Calls: 1, OK: 1, Charged: 25})
	m.Add(ctx, free, Usage{Calls: 1, OK: 1})
	want := []UsageRow{
		{k, epoch, Usage{Calls: 3, OK: 2, Charged: 50}},
		{free, epoch, Usage{Calls: 1, OK: 1}},
	}
	got, _ := m.Usage(ctx, "p", epoch, epoch.Add(time.Hour))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("before restart:\ngot  %+v\nwant %+v", got, want)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := openTestMemory(t, dir, Options{Clock: clock})
	defer m2.Close()
	got, _ = m2.Usage(ctx, "p", epoch, epoch.Add(time.Hour))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after restart:\ngot  %+v\nwant %+v", got, want)
	}
}

// TestUsageRecordWithoutCharged replays a usage record as written before
// Charged existed: it ends after OK and reads as nothing charged.
func TestUsageRecordWithoutCharged(t *testing.T) {
	k := UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "a", Env: "online"}
	hour := epoch.Unix() / 3600
	var old []byte
	old = append(old, recUsage)
	for _, s := range []string{k.AccessKey, k.Pin, k.Group, k.API, k.Env} {
		old = appendString(old, s)
	}
	old = binary.AppendVarint(old, hour)
	old = binary.AppendVarint(old, 7)
	old = binary.AppendVarint(old, 5)
	if cur := appendUsageRecord(nil, k, hour, Usage{Calls: 7, OK: 5}); !bytes.Equal(cur, old) {
		t.Errorf("a record with nothing charged changed format:\ngot  %x\nwant %x", cur, old)
	}

	cases := []struct {
		name string
		rec  []byte
		want Usage
	}{
		{"old record", old, Usage{Calls: 7, OK: 5}},
		{"with charged", appendUsageRecord(nil, k, hour, Usage{Calls: 7, OK: 5, Charged: 300}), Usage{Calls: 7, OK: 5, Charged: 300}},
		{"with business errors", appendUsageRecord(nil, k, hour, Usage{Calls: 7, OK: 5, Business: 2}), Usage{Calls: 7, OK: 5, Business: 2}},
		{"with both", appendUsageRecord(nil, k, hour, Usage{Calls: 7, OK: 5, Charged: 300, Business: 2}), Usage{Calls: 7, OK: 5, Charged: 300, Business: 2}},
	}
	// A record written before Business existed reads as none.
	if cur := appendUsageRecord(nil, k, hour, Usage{Calls: 7, OK: 5, Charged: 300}); !bytes.Equal(cur, binary.AppendVarint(bytes.Clone(old), 300)) {
		t.Errorf("a record with no business error changed format: %x", cur)
	}
	for _, c := range cases {
		m := NewMemory(Options{Clock: NewManualClock(epoch)})
		if err := m.apply(c.rec); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, _ := m.Usage(context.Background(), "", epoch, epoch.Add(time.Hour))
		if len(got) != 1 || got[0].Usage != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if err := NewMemory(Options{}).apply(append(appendUsageRecord(nil, k, hour, Usage{Calls: 1, Charged: 1, Business: 1}), 0)); err == nil {
		t.Error("a record with a byte past Business was accepted")
	}
}

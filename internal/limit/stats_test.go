package limit

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestJournalStats: after usage flushed and charges synced, JournalStats
// counts one Flush wait per Flush and one Sync wait per Sync, the writes
// and the fsyncs they waited for, in cumulative buckets; a Memory without
// a journal has none.
func TestJournalStats(t *testing.T) {
	ctx := context.Background()
	m := openTestMemory(t, t.TempDir(), Options{Clock: NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))})
	defer m.Close()
	const flushes, syncs = 7, 3
	k := UsageKey{AccessKey: "AK", Pin: "p1", Group: "g", API: "a", Env: "online"}
	for range flushes {
		m.Add(ctx, k, Usage{Calls: 1, OK: 1})
		if err := m.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	q := Quota{Key: Key{"sub", "s1"}, Limit: 100, Period: Total}
	for range syncs {
		r, _ := m.Reserve(ctx, q, 1, time.Minute)
		m.Commit(ctx, r)
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s := m.JournalStats()
	for _, tt := range []struct {
		name     string
		h        Histogram
		min, max uint64
	}{
		{"FlushWait", s.FlushWait, flushes, flushes},
		{"SyncWait", s.SyncWait, syncs, syncs},
		{"Write", s.Write, 1, flushes + syncs},
		{"Fsync", s.Fsync, 1, flushes + syncs}, // at most one per write
	} {
		if tt.h.Count < tt.min || tt.h.Count > tt.max {
			t.Errorf("%s: count %d, want %d to %d", tt.name, tt.h.Count, tt.min, tt.max)
		}
		if len(tt.h.Buckets) != len(tt.h.Bounds) || !slices.IsSorted(tt.h.Buckets) || tt.h.Buckets[len(tt.h.Buckets)-1] > tt.h.Count {
			t.Errorf("%s: buckets %v for %d durations are not cumulative", tt.name, tt.h.Buckets, tt.h.Count)
		}
		if tt.h.Sum < 0 {
			t.Errorf("%s: sum %v", tt.name, tt.h.Sum)
		}
	}
	if s.Write.Sum == 0 || s.Fsync.Sum == 0 {
		t.Errorf("writes took %v, fsyncs %v in all; want some time", s.Write.Sum, s.Fsync.Sum)
	}
	if got := NewMemory(Options{}).JournalStats(); got.FlushWait.Count+got.SyncWait.Count+got.Write.Count+got.Fsync.Count != 0 {
		t.Errorf("a Memory without a journal: %+v, want nothing counted", got)
	}
}

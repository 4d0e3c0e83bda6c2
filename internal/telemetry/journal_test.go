package telemetry

import (
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// TestWatchJournal: each of the journal's histograms is exported under its
// name, in seconds, with its count, sum and cumulative buckets, as read at
// the scrape.
func TestWatchJournal(t *testing.T) {
	m, reg := newMetrics(t)
	bounds := []time.Duration{time.Millisecond, 50 * time.Millisecond}
	hist := func(n uint64) limit.Histogram {
		return limit.Histogram{Bounds: bounds, Buckets: []uint64{n, 2 * n}, Count: 3 * n, Sum: time.Duration(n) * time.Second}
	}
	var scrapes uint64
	err := m.WatchJournal(func() limit.JournalStats {
		scrapes++
		return limit.JournalStats{FlushWait: hist(scrapes), SyncWait: hist(2), Write: hist(3), Fsync: hist(4)}
	})
	if err != nil {
		t.Fatal(err)
	}
	reg.Gather() // the first scrape; the second is checked
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"tollgate_journal_flush_wait_seconds": 2,
		"tollgate_journal_sync_wait_seconds":  2,
		"tollgate_journal_write_seconds":      3,
		"tollgate_journal_fsync_seconds":      4,
	}
	for _, f := range families {
		n, ok := want[f.GetName()]
		if !ok {
			continue
		}
		delete(want, f.GetName())
		h := f.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 3*n || h.GetSampleSum() != float64(n) {
			t.Errorf("%s: count %d, sum %v; want %d, %v", f.GetName(), h.GetSampleCount(), h.GetSampleSum(), 3*n, float64(n))
		}
		b := h.GetBucket()
		if len(b) != 2 || b[0].GetUpperBound() != 0.001 || b[0].GetCumulativeCount() != n ||
			b[1].GetUpperBound() != 0.05 || b[1].GetCumulativeCount() != 2*n {
			t.Errorf("%s: buckets %v, want %d at 0.001 and %d at 0.05", f.GetName(), b, n, 2*n)
		}
	}
	for name := range want {
		t.Errorf("%s not exported", name)
	}
}

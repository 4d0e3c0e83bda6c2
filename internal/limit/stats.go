package limit

import (
	"slices"
	"sync/atomic"
	"time"
)

// JournalStats say where time goes in a Memory's journal: how long callers
// waited in Flush and in Sync, and how long the writes and fsyncs they
// waited for took. They are counted since the Memory was opened; a Memory
// without a journal has none.
type JournalStats struct {
	// FlushWait and SyncWait are the time callers spent waiting in Flush
	// and in Sync; a call with nothing to wait for counts as zero.
	FlushWait, SyncWait Histogram
	// Write is the time of the writer's write(2) of each batch.
	Write Histogram
	// Fsync is the time of each fsync: of a segment, and of the
	// directory when a segment is created.
	Fsync Histogram
}

// Histogram is a distribution of durations, in the shape of a Prometheus
// histogram: Buckets[i] counts the durations at most Bounds[i], so that it
// is cumulative; Count counts them all, Sum adds them up.
type Histogram struct {
	Bounds  []time.Duration
	Buckets []uint64
	Count   uint64
	Sum     time.Duration
}

// durationBounds are the upper bounds of a durations' buckets: from a
// write to the page cache to an fsync on a disk that stalls.
var durationBounds = [...]time.Duration{
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second,
}

// durations counts durations into durationBounds' buckets with atomic
// adds, so that observing costs no lock: the last bucket holds those above
// every bound.
type durations struct {
	counts [len(durationBounds) + 1]atomic.Uint64
	sum    atomic.Int64 // nanoseconds
}

func (h *durations) observe(d time.Duration) {
	i := 0
	for i < len(durationBounds) && d > durationBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	if d > 0 {
		h.sum.Add(int64(d))
	}
}

// histogram returns what h has counted. Taken while others observe, it may
// be a few observations behind in one bucket or in the sum.
func (h *durations) histogram() Histogram {
	r := Histogram{
		Bounds:  slices.Clone(durationBounds[:]),
		Buckets: make([]uint64, len(durationBounds)),
		Sum:     time.Duration(h.sum.Load()),
	}
	for i := range h.counts {
		r.Count += h.counts[i].Load()
		if i < len(r.Buckets) {
			r.Buckets[i] = r.Count
		}
	}
	return r
}

// journalStats are a journal's durations, observed where the time is
// spent.
type journalStats struct {
	flushWait, syncWait, write, fsync durations
}

// JournalStats returns the journal's statistics (see JournalStats); zero
// for a Memory without a journal.
func (m *Memory) JournalStats() JournalStats {
	if m.j == nil {
		return JournalStats{}
	}
	s := &m.j.stats
	return JournalStats{
		FlushWait: s.flushWait.histogram(),
		SyncWait:  s.syncWait.histogram(),
		Write:     s.write.histogram(),
		Fsync:     s.fsync.histogram(),
	}
}

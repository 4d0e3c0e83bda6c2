package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// journalCollector exports a counters journal's statistics, read at each
// scrape: the journal counts with atomic adds and knows nothing of
// Prometheus.
type journalCollector struct {
	stats                             func() limit.JournalStats
	flushWait, syncWait, write, fsync *prometheus.Desc
}

// WatchJournal exports the statistics stats returns (limit.Memory's
// JournalStats) as histograms:
//
//	tollgate_journal_flush_wait_seconds
//	tollgate_journal_sync_wait_seconds
//	tollgate_journal_write_seconds
//	tollgate_journal_fsync_seconds
func (m *Metrics) WatchJournal(stats func() limit.JournalStats) error {
	return m.reg.Register(&journalCollector{
		stats: stats,
		flushWait: prometheus.NewDesc("tollgate_journal_flush_wait_seconds",
			"Time a call waited in the counters journal's Flush for its records to be written (every successful call that is not charged).", nil, nil),
		syncWait: prometheus.NewDesc("tollgate_journal_sync_wait_seconds",
			"Time a call waited in the counters journal's Sync for its records to be fsynced (every charged call).", nil, nil),
		write: prometheus.NewDesc("tollgate_journal_write_seconds",
			"Time of each write of a batch of records to the counters journal.", nil, nil),
		fsync: prometheus.NewDesc("tollgate_journal_fsync_seconds",
			"Time of each fsync of the counters journal (its segments, and the directory when a segment is created).", nil, nil),
	})
}

// Describe implements prometheus.Collector.
func (c *journalCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.flushWait
	ch <- c.syncWait
	ch <- c.write
	ch <- c.fsync
}

// Collect implements prometheus.Collector.
func (c *journalCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for _, m := range []struct {
		d *prometheus.Desc
		h limit.Histogram
	}{{c.flushWait, s.FlushWait}, {c.syncWait, s.SyncWait}, {c.write, s.Write}, {c.fsync, s.Fsync}} {
		buckets := make(map[float64]uint64, len(m.h.Bounds))
		for i, b := range m.h.Bounds {
			buckets[b.Seconds()] = m.h.Buckets[i]
		}
		ch <- prometheus.MustNewConstHistogram(m.d, m.h.Count, m.h.Sum.Seconds(), buckets)
	}
}

package limit

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// slowFsync is the fsync of a slow disk, in the benchmarks below.
const slowFsync = 50 * time.Millisecond

// BenchmarkJournalFlushBehindFsync measures what a caller that needs only
// Flush waits when fsyncs are slow (each one takes slowFsync more than the
// disk's): 8 callers append a record and flush it, in a loop, while the
// journal fsyncs either every SyncEvery (100 ms) only, or also for a caller
// that syncs a record in a loop (a stream of charged calls). It reports
// the distribution of one Flush's latency, and the share of flushes that
// took an fsync's time or more. A caller blocked is not calling, so the
// share understates the time spent blocked: with 8 callers, one fsync in
// the way blocks 8 flushes however many would have been served meanwhile.
func BenchmarkJournalFlushBehindFsync(b *testing.B) {
	for _, bc := range []struct {
		name   string
		syncer bool
	}{
		{"periodic", false},
		{"with-syncer", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			j, err := startJournal(journalConfig{
				dir: b.TempDir(), delay: 2 * time.Millisecond, syncEvery: 100 * time.Millisecond,
				maxRecords: 256, fullAt: 1 << 40,
				syncFile: func(f *os.File) error {
					time.Sleep(slowFsync)
					return f.Sync()
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer j.close()
			ctx := context.Background()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if bc.syncer {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						j.append(benchRecord)
						j.sync(ctx)
					}
				})
			}
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(4) // 8 flushing callers on 2 CPUs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					j.append(benchRecord)
					t0 := time.Now()
					if err := j.flush(ctx); err != nil {
						b.Error(err)
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			close(stop)
			wg.Wait()
			reportLatencies(b, "flush", lat)
			slow := 0
			for _, d := range lat {
				if d >= slowFsync {
					slow++
				}
			}
			b.ReportMetric(100*float64(slow)/float64(max(1, len(lat))), "%flush≥fsync")
		})
	}
}

// reportLatencies reports the median, p99, p99.9 and maximum of lat, in
// microseconds, as name-p50-µs and so on.
func reportLatencies(b *testing.B, name string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))]) / 1e3
	}
	b.ReportMetric(at(0.5), name+"-p50-µs")
	b.ReportMetric(at(0.99), name+"-p99-µs")
	b.ReportMetric(at(0.999), name+"-p99.9-µs")
	b.ReportMetric(float64(lat[len(lat)-1])/1e3, name+"-max-µs")
}

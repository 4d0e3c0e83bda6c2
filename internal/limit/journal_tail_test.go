package limit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	slow := func(f *os.File) error {
		time.Sleep(slowFsync)
		return f.Sync()
	}
	for _, bc := range []struct {
		name   string
		syncer bool
		fsync  func(*os.File) error
	}{
		{"periodic", false, slow},
		{"with-syncer", true, slow},
		// The control: no fsync at all, so what is left is the machine.
		{"no-fsync", true, func(*os.File) error { return nil }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			j, err := startJournal(journalConfig{
				dir: b.TempDir(), delay: 2 * time.Millisecond, syncEvery: 100 * time.Millisecond,
				maxRecords: 256, fullAt: 1 << 40,
				syncFile: bc.fsync,
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

// blockedFsync is a syncFile that tells entered when an fsync starts and
// holds it until release is closed.
func blockedFsync(entered chan<- struct{}, release <-chan struct{}) func(*os.File) error {
	return func(f *os.File) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		return f.Sync()
	}
}

// TestJournalFlushDoesNotWaitForFsync: while an fsync is under way (one a
// Sync asked for, the periodic one, a rotation's), a record appended and
// flushed is written to the file at once, and a Sync waiting for the fsync
// still waits. The writer used to make the flush wait for the fsync.
func TestJournalFlushDoesNotWaitForFsync(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		syncEvery time.Duration
		// start begins the fsync that will be held, and returns what
		// waits for it.
		start func(*journal) <-chan error
	}{
		{"a sync's", time.Hour, func(j *journal) <-chan error {
			j.append([]byte("charged"))
			ch := make(chan error, 1)
			go func() { ch <- j.sync(ctx) }()
			return ch
		}},
		{"the periodic one", time.Millisecond, func(j *journal) <-chan error {
			j.append([]byte("free"))
			j.flush(ctx)
			return nil
		}},
		{"a rotation's", time.Hour, func(j *journal) <-chan error {
			j.append([]byte("last of its segment"))
			ch := make(chan error, 1)
			go func() {
				_, err := j.next()
				ch <- err
			}()
			return ch
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			entered := make(chan struct{}, 16)
			release := make(chan struct{})
			j, err := startJournal(journalConfig{
				dir: dir, delay: time.Hour, syncEvery: tt.syncEvery, maxRecords: 1 << 20, fullAt: 1 << 40,
				syncFile: blockedFsync(entered, release),
			})
			if err != nil {
				t.Fatal(err)
			}
			released := false
			defer func() {
				if !released {
					close(release)
				}
				j.close()
			}()
			waiter := tt.start(j)
			select {
			case <-entered:
			case <-time.After(10 * time.Second): // a bound on a hang
				t.Fatal("no fsync started")
			}
			j.append([]byte("flushed"))
			fctx, cancel := context.WithTimeout(ctx, 10*time.Second) // a bound on a hang
			defer cancel()
			if err := j.flush(fctx); err != nil {
				t.Fatalf("flush while an fsync is under way: %v; want it to return once written, not after the fsync", err)
			}
			if got := replayAll(t, dir); len(got) != 2 || got[1] != "flushed" {
				t.Fatalf("records in the files after the flush: %q, want the flushed one last of 2", got)
			}
			select {
			case err := <-waiter:
				t.Fatalf("the fsync's waiter returned (%v) while the fsync was held", err)
			default:
			}
			close(release)
			released = true
			if waiter != nil {
				if err := <-waiter; err != nil {
					t.Fatal(err)
				}
			}
			if err := j.sync(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestJournalSyncCoversWhatCameBefore: with fsyncs that take a while and
// the writer going on meanwhile, every Sync that returns nil finds its
// record in a part of a segment that an fsync covered (what the file held
// when an fsync began), and every segment a rotation ended was covered
// whole before the rotation returned: the crash guarantee, checked against
// what was actually fsynced.
func TestJournalSyncCoversWhatCameBefore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var mu sync.Mutex
	durable := map[string]int64{} // segment name: size when its last fsync began
	j, err := startJournal(journalConfig{
		dir: dir, delay: 200 * time.Microsecond, syncEvery: 5 * time.Millisecond, maxRecords: 16, fullAt: 1 << 40,
		syncFile: func(f *os.File) error {
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
			if err := f.Sync(); err != nil {
				return err
			}
			mu.Lock()
			durable[filepath.Base(f.Name())] = max(durable[filepath.Base(f.Name())], fi.Size())
			mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	// covered reports whether rec is in the fsynced part of a segment.
	covered := func(rec string) bool {
		seqs, err := segments(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, seq := range seqs {
			data, err := os.ReadFile(filepath.Join(dir, segmentName(seq)))
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			n := min(int64(len(data)), durable[segmentName(seq)])
			mu.Unlock()
			found := false
			readFrames(data[:n], func(p []byte) error {
				found = found || string(p) == rec
				return nil
			})
			if found {
				return true
			}
		}
		return false
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 60 {
				rec := fmt.Sprintf("%d/%d", g, i)
				j.append([]byte(rec))
				if g%2 == 1 { // flushers keep the writer busy
					j.flush(ctx)
					continue
				}
				if err := j.sync(ctx); err != nil {
					t.Error(err)
					return
				}
				if !covered(rec) {
					t.Errorf("record %s: sync returned before an fsync covered it", rec)
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			seq, err := j.next()
			if err != nil {
				t.Error(err)
				return
			}
			for s := seq - 1; ; s-- {
				fi, err := os.Stat(filepath.Join(dir, segmentName(s)))
				if err != nil {
					break // before the first segment
				}
				mu.Lock()
				d := durable[segmentName(s)]
				mu.Unlock()
				if fi.Size() > 0 && d != fi.Size() {
					t.Errorf("segment %d ended by a rotation: %d of its %d bytes fsynced", s, d, fi.Size())
				}
				if s == 0 {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	if got := len(replayAll(t, dir)); got != 8*60 {
		t.Errorf("%d records replayed, want %d", got, 8*60)
	}
}

// BenchmarkJournalSyncHandoff: one caller appends a record and syncs it,
// with an fsync that does nothing: what a Sync costs apart from the disk
// (the hand-offs between the caller, the writer and the syncer).
func BenchmarkJournalSyncHandoff(b *testing.B) {
	j, err := startJournal(journalConfig{
		dir: b.TempDir(), delay: 2 * time.Millisecond, syncEvery: 100 * time.Millisecond,
		maxRecords: 256, fullAt: 1 << 40,
		syncFile: func(*os.File) error { return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	ctx := context.Background()
	for b.Loop() {
		j.append(benchRecord)
		j.sync(ctx)
	}
}

// BenchmarkJournalFlushHandoff: one caller appends a record and flushes
// it, as the pipeline does for every counted call that is not charged:
// what a Flush costs apart from the write itself.
func BenchmarkJournalFlushHandoff(b *testing.B) {
	j, err := startJournal(journalConfig{
		dir: b.TempDir(), delay: 2 * time.Millisecond, syncEvery: 100 * time.Millisecond,
		maxRecords: 256, fullAt: 1 << 40,
		syncFile: func(*os.File) error { return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	ctx := context.Background()
	for b.Loop() {
		j.append(benchRecord)
		if err := j.flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

package limit

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// mix64 spreads i over 64 bits (SplitMix64's finalizer): stand-ins for
// nonce hashes.
func mix64(i uint64) uint64 {
	i += 0x9e3779b97f4a7c15
	i = (i ^ i>>30) * 0xbf58476d1ce4e5b9
	i = (i ^ i>>27) * 0x94d049bb133111eb
	return i ^ i>>31
}

// warmFrom is the first generation counted as warm: by then the heap has
// grown to its size, and a generation reuses the memory that a dropped
// one freed instead of asking the system for more.
const warmFrom = 3

// nonceTail times each of a run of inserts: gens generations of n fresh
// nonces, the clock moved on by ttl between them (so that the first insert
// of each generation rotates), then n/16 more after a last rotation.
// insert(i, now) inserts the i-th nonce. It reports the p99.9 and the
// worst of the inserts, the worst of those that rotated and of the others
// (growth), how many took over 1 ms, and the heap per nonce remembered
// after the first generation; with gens > warmFrom, also the worst insert
// and the worst rotation from generation warmFrom on (warm-*).
//
// Times are of the thread's CPU where it can be read
// (cputime_linux_test.go), so that a machine busy with other work does not
// pass its waits off as the inserts'; the worst in wall time is reported
// beside (wall-max-µs).
func nonceTail(b *testing.B, n, gens int, insert func(i int, now int64)) {
	const ttl = int64(time.Hour)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := func() time.Duration {
		if d, ok := threadCPU(); ok {
			return d
		}
		return time.Duration(time.Now().UnixNano())
	}
	rounds := make([]int, gens+1)
	for r := range gens {
		rounds[r] = n
	}
	rounds[gens] = n / 16
	lat := make([]time.Duration, 0, gens*n+n/16)
	var worst, rotation, growth, warm, warmRotation, wall time.Duration
	var perNonce float64
	over := 0 // inserts over 1 ms, in the last run
	for b.Loop() {
		lat = lat[:0]
		now := epoch.UnixNano()
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		i := 0
		for round, count := range rounds {
			if round > 0 {
				now += ttl
			}
			for k := range count {
				now++
				w0 := time.Now()
				t0 := clock()
				insert(i, now)
				d := clock() - t0
				wall = max(wall, time.Since(w0))
				lat = append(lat, d)
				rotated := k == 0 && round > 0
				if rotated {
					rotation = max(rotation, d)
				} else {
					growth = max(growth, d)
				}
				if round >= warmFrom {
					warm = max(warm, d)
					if rotated {
						warmRotation = max(warmRotation, d)
					}
				}
				i++
			}
			if round == 0 {
				var after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&after)
				perNonce = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
			}
		}
		slices.Sort(lat)
		worst = max(worst, lat[len(lat)-1])
		at, _ := slices.BinarySearch(lat, time.Millisecond+1)
		over = len(lat) - at
	}
	b.ReportMetric(float64(lat[len(lat)*999/1000])/1e3, "p99.9-µs")
	b.ReportMetric(float64(worst)/1e3, "max-µs")
	b.ReportMetric(float64(rotation)/1e3, "rotation-µs")
	b.ReportMetric(float64(growth)/1e3, "other-max-µs")
	b.ReportMetric(float64(over), "inserts>1ms")
	if gens > warmFrom {
		b.ReportMetric(float64(warm)/1e3, "warm-max-µs")
		b.ReportMetric(float64(warmRotation)/1e3, "warm-rotation-µs")
	}
	b.ReportMetric(float64(wall)/1e3, "wall-max-µs")
	b.ReportMetric(perNonce, "B/nonce")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkNonceTail looks for the slowest single nonce insert while a
// set grows and across its rotations: in one set of 256 Ki nonces (one
// shard's, at 100 000 fresh nonces a second and a 10-minute ttl) over six
// generations, of 2 Mi nonces (a shard at eight times that) over two, and
// through Memory.Once with 2 Mi nonces over the 256 shards, where the
// first call after the clock jumps by ttl also sweeps every shard; and, as
// a control, the same loop over a map that neither grows nor rotates.
func BenchmarkNonceTail(b *testing.B) {
	for _, bc := range []struct{ n, gens int }{{256 << 10, 6}, {2 << 20, 2}} {
		b.Run("set/"+strconv.Itoa(bc.n>>10)+"Ki", func(b *testing.B) {
			var s *nonceSet
			nonceTail(b, bc.n, bc.gens, func(i int, now int64) {
				if i == 0 {
					s = newNonceSet(int64(time.Hour), now)
				}
				s.once(now, mix64(uint64(i)))
			})
		})
	}
	// The control: the same loop over an insert into a map that neither
	// grows nor rotates. What it shows is the machine's, not the set's.
	b.Run("control/256Ki", func(b *testing.B) {
		fixed := make(map[uint64]struct{}, 1024)
		nonceTail(b, 256<<10, 6, func(i int, _ int64) {
			h := mix64(uint64(i))
			fixed[h&1023] = struct{}{}
		})
	})
	b.Run("memory/2048Ki", func(b *testing.B) {
		ctx := context.Background()
		clock := NewManualClock(epoch)
		var m *Memory
		nonceTail(b, 2<<20, 2, func(i int, now int64) {
			if i == 0 {
				m = NewMemory(Options{Clock: clock})
			}
			clock.Set(time.Unix(0, now))
			m.Once(ctx, Key{"AKID1000000", "f3b2c1d0-" + strconv.Itoa(i)}, time.Hour)
		})
	})
}

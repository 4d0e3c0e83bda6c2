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

// nonceTail times each of a run of inserts: n fresh nonces in the first
// generation, the clock moved on by ttl (the next insert rotates), n more,
// the clock moved on by ttl again, and n/16 more. insert(i, now) inserts
// the i-th nonce. It reports the p99.9 and the worst of the inserts, the
// worst of those right after a rotation and of the others (growth), and
// the heap per nonce remembered after the first n. Times are of the
// thread's CPU where it can be read (cputime_linux_test.go), so that a
// machine busy with other work does not pass its waits off as the
// inserts'; the worst in wall time is reported beside (wall-max-µs).
func nonceTail(b *testing.B, n int, insert func(i int, now int64)) {
	const ttl = int64(time.Hour)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := func() time.Duration {
		if d, ok := threadCPU(); ok {
			return d
		}
		return time.Duration(time.Now().UnixNano())
	}
	lat := make([]time.Duration, 0, 2*n+n/16)
	var worst, atRotation, growth, wall time.Duration
	var perNonce float64
	for b.Loop() {
		lat = lat[:0]
		now := epoch.UnixNano()
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		i := 0
		for round, count := range []int{n, n, n / 16} {
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
				if k == 0 && round > 0 {
					atRotation = max(atRotation, d)
				} else {
					growth = max(growth, d)
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
	}
	b.ReportMetric(float64(lat[len(lat)*999/1000])/1e3, "p99.9-µs")
	b.ReportMetric(float64(worst)/1e3, "max-µs")
	b.ReportMetric(float64(atRotation)/1e3, "rotation-µs")
	b.ReportMetric(float64(growth)/1e3, "other-max-µs")
	b.ReportMetric(float64(wall)/1e3, "wall-max-µs")
	b.ReportMetric(perNonce, "B/nonce")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkNonceTail looks for the slowest single nonce insert while a
// set grows and across its rotations: in one set of 256 Ki nonces (one
// shard's, at 100 000 fresh nonces a second and a 10-minute ttl) and of
// 2 Mi nonces (a shard at eight times that), and through Memory.Once with
// 2 Mi nonces over the 256 shards, where the first call after the clock
// jumps by ttl also sweeps every shard.
func BenchmarkNonceTail(b *testing.B) {
	for _, n := range []int{256 << 10, 2 << 20} {
		b.Run("set/"+strconv.Itoa(n>>10)+"Ki", func(b *testing.B) {
			var s *nonceSet
			nonceTail(b, n, func(i int, now int64) {
				if i == 0 {
					s = newNonceSet(int64(time.Hour), now)
				}
				s.once(now, mix64(uint64(i)))
			})
		})
	}
	b.Run("memory/2048Ki", func(b *testing.B) {
		ctx := context.Background()
		clock := NewManualClock(epoch)
		var m *Memory
		nonceTail(b, 2<<20, func(i int, now int64) {
			if i == 0 {
				m = NewMemory(Options{Clock: clock})
			}
			clock.Set(time.Unix(0, now))
			m.Once(ctx, Key{"AKID1000000", "f3b2c1d0-" + strconv.Itoa(i)}, time.Hour)
		})
	})
}

package limit

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchKeys are the keys the benchmarks spread over, made once so that the
// benchmarks measure counting, not making strings.
var benchKeys = func() []Key {
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = Key{"key", "AKID" + strconv.Itoa(1_000_000+i)}
	}
	return keys
}()

// benchNonces are made on first use: a million of them would slow every
// test run.
var benchNonces = sync.OnceValue(func() []Key {
	keys := make([]Key, 1<<20)
	for i := range keys {
		keys[i] = Key{benchKeys[i%len(benchKeys)].ID, "f3b2c1d0-" + strconv.Itoa(10_000_000+i)}
	}
	return keys
})

// worker numbers the goroutines of RunParallel, so that each starts at
// another key.
var worker atomic.Int64

func BenchmarkAllow(b *testing.B) {
	ctx := context.Background()
	m := NewMemory(Options{})
	r := PerSecond(1 << 31)
	for _, k := range benchKeys {
		m.Allow(ctx, k, r, 1)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 97
		for pb.Next() {
			if d, _ := m.Allow(ctx, benchKeys[i%len(benchKeys)], r, 1); !d.Allowed {
				b.Error("refused")
			}
			i++
		}
	})
}

// BenchmarkAllowOneKey is the worst case: every caller on one key (an
// API's limit for all callers together), so on one shard's mutex.
func BenchmarkAllowOneKey(b *testing.B) {
	ctx := context.Background()
	m := NewMemory(Options{})
	r := PerSecond(1 << 31)
	k := Key{"api", "g1/getUser"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Allow(ctx, k, r, 1)
		}
	})
}

func BenchmarkOnce(b *testing.B) {
	ctx := context.Background()
	m := NewMemory(Options{})
	nonces := benchNonces()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) << 16
		for pb.Next() {
			m.Once(ctx, nonces[i%len(nonces)], 5*time.Minute)
			i++
		}
	})
}

func BenchmarkOnceReplayRefused(b *testing.B) {
	ctx := context.Background()
	m := NewMemory(Options{})
	nonces := benchNonces()[:1024]
	for _, k := range nonces {
		m.Once(ctx, k, 5*time.Minute)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1))
		for pb.Next() {
			if fresh, _ := m.Once(ctx, nonces[i%len(nonces)], 5*time.Minute); fresh {
				b.Error("a replay accepted")
			}
			i++
		}
	})
}

func benchReserveCommit(b *testing.B, m *Memory, sync bool) {
	ctx := context.Background()
	quotas := make([]Quota, len(benchKeys))
	for i, k := range benchKeys {
		quotas[i] = Quota{Key: Key{"sub", k.ID}, Limit: 1 << 62, Period: Total}
		r, _ := m.Reserve(ctx, quotas[i], 1, time.Minute)
		m.Commit(ctx, r)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 97
		for pb.Next() {
			r, err := m.Reserve(ctx, quotas[i%len(quotas)], 1, time.Minute)
			if err != nil || !r.Granted {
				b.Error("refused")
			}
			if err := m.Commit(ctx, r); err != nil {
				b.Error(err)
			}
			if sync {
				if err := m.Sync(ctx); err != nil {
					b.Error(err)
				}
			}
			i++
		}
	})
}

func BenchmarkReserveCommit(b *testing.B) {
	benchReserveCommit(b, NewMemory(Options{}), false)
}

// BenchmarkReserveCommitJournaled adds the journal append, without
// waiting for the disk.
func BenchmarkReserveCommitJournaled(b *testing.B) {
	m, err := OpenMemory(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	benchReserveCommit(b, m, false)
}

// BenchmarkReserveCommitSync waits for the disk after every commit, with
// 64 callers sharing the fsyncs: the cost of a durable charge.
func BenchmarkReserveCommitSync(b *testing.B) {
	m, err := OpenMemory(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.SetParallelism(32) // 64 goroutines on 2 CPUs
	benchReserveCommit(b, m, true)
}

func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	m := NewMemory(Options{})
	keys := make([]UsageKey, len(benchKeys))
	for i, k := range benchKeys {
		keys[i] = UsageKey{AccessKey: k.ID, Pin: "pin" + strconv.Itoa(i%100), Group: "g1", API: "getUser", Env: "online"}
		m.Add(ctx, keys[i], Usage{Calls: 1, OK: 1})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 97
		for pb.Next() {
			m.Add(ctx, keys[i%len(keys)], Usage{Calls: 1, OK: 1})
			i++
		}
	})
}

// benchRecord is the size of a typical usage record.
var benchRecord = appendUsageRecord(nil, UsageKey{AccessKey: "AKID1000000", Pin: "pin42", Group: "g1", API: "getUser", Env: "online"}, 485000, Usage{Calls: 123456, OK: 123400})

func BenchmarkJournalAppend(b *testing.B) {
	j, err := openJournal(b.TempDir(), 0, 2*time.Millisecond, 100*time.Millisecond, 256, 1<<40, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRecord) + frameHeader))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j.append(benchRecord)
		}
	})
	j.sync(context.Background()) // the writer's work is part of the cost
}

// BenchmarkJournalAppendSync: every record waits for its fsync, with
// 64 goroutines sharing them (group commit).
func BenchmarkJournalAppendSync(b *testing.B) {
	j, err := openJournal(b.TempDir(), 0, 2*time.Millisecond, 100*time.Millisecond, 256, 1<<40, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j.append(benchRecord)
			j.sync(context.Background())
		}
	})
}

// BenchmarkJournalAppendSyncSerial: one caller, one fsync per record: the
// latency of a durable write on this disk.
func BenchmarkJournalAppendSyncSerial(b *testing.B) {
	j, err := openJournal(b.TempDir(), 0, 2*time.Millisecond, 100*time.Millisecond, 256, 1<<40, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	b.ReportAllocs()
	for b.Loop() {
		j.append(benchRecord)
		j.sync(context.Background())
	}
}

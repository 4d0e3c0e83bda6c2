package limit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"
)

func openTestMemory(t *testing.T, dir string, o Options) *Memory {
	t.Helper()
	m, err := OpenMemory(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// copyDir copies dir as a crash would leave it: whatever is in the files,
// while the Memory that wrote them is still running.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// pauseCompaction holds every compaction, the background compactor's and
// a caller's, off until resume is called, so that a copy of the directory
// taken meanwhile is one a crash could leave: no snapshot is renamed into
// place and no segment removed while the files are read one by one.
// Counting goes on; only compaction waits.
func (m *Memory) pauseCompaction() (resume func()) {
	m.compactMu.Lock()
	return m.compactMu.Unlock
}

// state is what a restart must keep of a Memory.
type state struct {
	remaining map[Key]int64
	usage     []UsageRow
}

func stateOf(t *testing.T, m *Memory, quotas []Quota) state {
	t.Helper()
	ctx := context.Background()
	s := state{remaining: map[Key]int64{}}
	for _, q := range quotas {
		r, err := m.Reserve(ctx, q, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		s.remaining[q.Key] = r.Remaining
	}
	var err error
	s.usage, err = m.Usage(ctx, "", epoch.Add(-time.Hour), epoch.Add(1000*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPersistRestart(t *testing.T) {
	ctx := context.Background()
	shanghai := mustZone(t, "Asia/Shanghai")
	clock := NewManualClock(epoch.Add(2 * time.Hour)) // 10:00 in Shanghai
	quotas := []Quota{
		{Key: Key{"sub", "total"}, Limit: 100, Period: Total},
		{Key: Key{"sub", "daily"}, Limit: 10, Period: Daily(shanghai)},
		{Key: Key{"balance", "pin1"}, Limit: 5000, Period: Total},
	}
	uk := UsageKey{AccessKey: "AK", Pin: "pin1", Group: "g", API: "a", Env: "online"}

	for _, closeFirst := range []bool{true, false} {
		t.Run("close="+strconv.FormatBool(closeFirst), func(t *testing.T) {
			dir := t.TempDir()
			m := openTestMemory(t, dir, Options{Clock: clock})
			for i, q := range quotas {
				for range 3 + i {
					r, _ := m.Reserve(ctx, q, int64(1+i), 0)
					if !r.Granted {
						t.Fatalf("%v refused", q.Key)
					}
					if err := m.Commit(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
				// A hold left open is not kept: a restart releases it.
				m.Reserve(ctx, q, 1, 0)
			}
			m.Add(ctx, uk, Usage{Calls: 7, OK: 5})
			if fresh, _ := m.Once(ctx, Key{"AK", "nonce-1"}, 5*time.Minute); !fresh {
				t.Fatal("first nonce refused")
			}
			if err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			want := stateOf(t, m, quotas)
			for _, q := range quotas {
				want.remaining[q.Key]++ // the open hold is released
			}

			reopenDir := dir
			if closeFirst {
				if err := m.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				reopenDir = copyDir(t, dir)
				defer m.Close()
			}
			m2 := openTestMemory(t, reopenDir, Options{Clock: clock})
			defer m2.Close()
			if got := stateOf(t, m2, quotas); !reflect.DeepEqual(got, want) {
				t.Fatalf("after restart:\ngot  %+v\nwant %+v", got, want)
			}
			if fresh, _ := m2.Once(ctx, Key{"AK", "nonce-1"}, 5*time.Minute); fresh {
				t.Fatal("a nonce was accepted again after a restart")
			}
			if fresh, _ := m2.Once(ctx, Key{"AK", "nonce-2"}, 5*time.Minute); !fresh {
				t.Fatal("a new nonce was refused after a restart")
			}
		})
	}
}

func TestPersistDailyPeriodAcrossRestart(t *testing.T) {
	ctx := context.Background()
	shanghai := mustZone(t, "Asia/Shanghai")
	clock := NewManualClock(time.Date(2025, 6, 1, 23, 0, 0, 0, shanghai))
	q := Quota{Key: Key{"sub", "daily"}, Limit: 3, Period: Daily(shanghai)}
	dir := t.TempDir()
	m := openTestMemory(t, dir, Options{Clock: clock})
	r, _ := m.Reserve(ctx, q, 3, 0)
	m.Commit(ctx, r)
	m.Close()

	m = openTestMemory(t, dir, Options{Clock: clock})
	if r, _ := m.Reserve(ctx, q, 1, 0); r.Granted {
		t.Fatal("the day's use was lost in a restart")
	}
	m.Close()
	clock.Advance(time.Hour) // Shanghai midnight
	m = openTestMemory(t, dir, Options{Clock: clock})
	defer m.Close()
	if r, _ := m.Reserve(ctx, q, 3, 0); !r.Granted {
		t.Fatal("yesterday's use counted today after a restart")
	}
}

// TestPersistCompactionUnderLoad compacts again and again while callers
// count; nothing counted may be lost or counted twice.
func TestPersistCompactionUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var bgErr error
	var mu sync.Mutex
	o := Options{
		CompactBytes: 4 << 10, // compact every few dozen records
		OnError: func(err error) {
			mu.Lock()
			bgErr = err
			mu.Unlock()
		},
	}
	m := openTestMemory(t, dir, o)
	q := Quota{Key: Key{"sub", "s"}, Limit: 1 << 40, Period: Total}
	uk := UsageKey{AccessKey: "AK", Pin: "p", Group: "g", API: "a", Env: "e"}
	const workers, each = 8, 300
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r, err := m.Reserve(ctx, q, 1, 0)
				if err != nil || !r.Granted {
					t.Errorf("reserve: %+v %v", r, err)
					return
				}
				if err := m.Commit(ctx, r); err != nil {
					t.Error(err)
				}
				m.Add(ctx, uk, Usage{Calls: 1, OK: 1})
				m.Once(ctx, Key{"AK", strconv.Itoa(g*each + i)}, time.Hour)
				if i%50 == 0 {
					if err := m.Compact(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	m.Sync(ctx)
	// The background compactor may still be running on the last
	// trigger; copying files while it renames the snapshot into place and
	// removes segments would read a directory no crash can leave. Paused,
	// the copy is the directory as a kill -9 between compactions leaves it.
	resume := m.pauseCompaction()
	crashed := copyDir(t, dir)
	resume()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if bgErr != nil {
		t.Fatal(bgErr)
	}
	for _, d := range []string{dir, crashed} {
		m2 := openTestMemory(t, d, Options{})
		r, _ := m2.Reserve(ctx, q, 0, 0)
		if used := q.Limit - r.Remaining; used != workers*each {
			t.Errorf("%s: used %d, want %d", d, used, workers*each)
		}
		rows, _ := m2.Usage(ctx, "", time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
		if len(rows) != 1 || rows[0].Calls != workers*each {
			t.Errorf("%s: usage %+v", d, rows)
		}
		for i := range workers * each {
			if fresh, _ := m2.Once(ctx, Key{"AK", strconv.Itoa(i)}, time.Hour); fresh {
				t.Fatalf("%s: nonce %d forgotten", d, i)
			}
		}
		m2.Close()
	}
	if seqs, _ := segments(dir); len(seqs) != 1 {
		t.Errorf("segments left after reopening: %v", seqs)
	}
}

func TestPersistCorruptSnapshot(t *testing.T) {
	dir := t.TempDir()
	m := openTestMemory(t, dir, Options{})
	r, _ := m.Reserve(context.Background(), Quota{Key: Key{"a", "b"}, Limit: 10}, 1, 0)
	m.Commit(context.Background(), r)
	m.Close()
	name := filepath.Join(dir, snapshotName)
	data, _ := os.ReadFile(name)
	// A snapshot is renamed into place whole; a damaged one is a disk
	// fault, and Open must say so rather than start from nothing.
	for _, bad := range [][]byte{data[:len(data)-3], append(data[:len(data):len(data)], 1, 2, 3, 4, 5, 6, 7, 8, 9)} {
		os.WriteFile(name, bad, 0o600)
		if _, err := OpenMemory(dir, Options{}); err == nil {
			t.Error("opened a damaged snapshot")
		}
	}
}

func TestPersistDirectoryLocked(t *testing.T) {
	dir := t.TempDir()
	m := openTestMemory(t, dir, Options{})
	if m2, err := OpenMemory(dir, Options{}); err == nil {
		m2.Close()
		t.Fatal("opened a directory in use")
	}
	m.Close()
	m = openTestMemory(t, dir, Options{})
	m.Close()
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	m := openTestMemory(t, t.TempDir(), Options{})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second close: %v", err)
	}
	if _, err := m.Allow(ctx, Key{"a", "b"}, PerSecond(1), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("allow after close: %v", err)
	}
	if err := m.Add(ctx, UsageKey{}, Usage{}); !errors.Is(err, ErrClosed) {
		t.Errorf("add after close: %v", err)
	}
}

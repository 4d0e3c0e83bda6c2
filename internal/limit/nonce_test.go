package limit

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// epoch is a start time aligned to every unit, so that tests can place
// calls just before a second, minute, hour or day begins. (The tests every
// engine must pass are in countertest; these are Memory's own.)
var epoch = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

func TestOnce(t *testing.T) {
	ctx := context.Background()
	const ttl = 5 * time.Minute
	clock := NewManualClock(epoch)
	m := NewMemory(Options{Clock: clock})
	steps := []struct {
		advance time.Duration
		key     Key
		want    bool
	}{
		{0, Key{"AK1", "n1"}, true},
		{0, Key{"AK1", "n1"}, false},
		{0, Key{"AK2", "n1"}, true}, // another access key's nonce
		{0, Key{"AK1", "n2"}, true},
		// Across the first rotation: n1 moves to the previous generation
		// and is still refused.
		{ttl, Key{"AK1", "n1"}, false},
		{0, Key{"AK1", "n3"}, true},
		// ttl after the rotation, n1 is 2*ttl old and forgotten; n3 is
		// only ttl old and must still be refused.
		{ttl, Key{"AK1", "n3"}, false},
		{0, Key{"AK1", "n1"}, true},
		{0, Key{"AK1", "n1"}, false},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got, err := m.Once(ctx, s.key, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("step %d: Once(%v) = %v, want %v", i, s.key, got, s.want)
		}
	}
}

// TestOnceRemembersAtLeastTTL checks the guarantee at every offset: a
// nonce is refused for the whole ttl after its first use, wherever that
// use falls in a generation, and forgotten within 2*ttl.
func TestOnceRemembersAtLeastTTL(t *testing.T) {
	ctx := context.Background()
	const ttl = time.Minute
	for _, offset := range []time.Duration{0, time.Nanosecond, ttl / 3, ttl - time.Nanosecond, ttl, ttl + ttl/2} {
		clock := NewManualClock(epoch)
		m := NewMemory(Options{Clock: clock})
		k := Key{"AK", "n"}
		m.Once(ctx, Key{"AK", "first"}, ttl) // starts the generations
		clock.Advance(offset)
		if fresh, _ := m.Once(ctx, k, ttl); !fresh {
			t.Fatalf("offset %v: first use refused", offset)
		}
		for _, after := range []time.Duration{time.Nanosecond, ttl / 2, ttl - time.Nanosecond} {
			c := NewManualClock(clock.Now().Add(after))
			m.clock = c
			if fresh, _ := m.Once(ctx, k, ttl); fresh {
				t.Fatalf("offset %v: replay accepted %v after first use", offset, after)
			}
			m.clock = clock
		}
		clock.Advance(2*ttl + time.Nanosecond)
		m.Once(ctx, Key{"AK", "other"}, ttl)
		clock.Advance(ttl)
		if fresh, _ := m.Once(ctx, k, ttl); !fresh {
			t.Fatalf("offset %v: not forgotten after 3*ttl", offset)
		}
	}
}

func TestOnceTTLsIndependent(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(epoch)
	m := NewMemory(Options{Clock: clock})
	m.Once(ctx, Key{"AK", "short"}, time.Minute)
	m.Once(ctx, Key{"AK", "long"}, 10*time.Minute)
	clock.Advance(3 * time.Minute)
	if fresh, _ := m.Once(ctx, Key{"AK", "long"}, 10*time.Minute); fresh {
		t.Error("a long window forgot within its ttl")
	}
	if fresh, _ := m.Once(ctx, Key{"AK", "short"}, time.Minute); !fresh {
		t.Error("a short window remembered past 2*ttl")
	}
}

func TestOnceMemoryFollowsTraffic(t *testing.T) {
	ctx := context.Background()
	const ttl = time.Minute
	clock := NewManualClock(epoch)
	m := NewMemory(Options{Clock: clock})
	for i := range 10000 {
		m.Once(ctx, Key{"AK", strconv.Itoa(i)}, ttl)
	}
	clock.Advance(2 * ttl)
	for i := range 10 {
		m.Once(ctx, Key{"AK", "later" + strconv.Itoa(i)}, ttl)
	}
	remembered := 0
	for i := range m.shards {
		for _, ns := range m.shards[i].nonces {
			remembered += len(ns.cur) + len(ns.prev)
		}
	}
	if remembered > 10 {
		t.Errorf("%d nonces remembered after the window, want at most 10", remembered)
	}
}

// TestNonceRotationCostsNoMoreForABiggerSet: the insert that starts a new
// generation, or forgets two, allocates the same small amount however many
// nonces the set holds. It used to make the new generation's map sized for
// the last one, writing all of its memory within that one call.
func TestNonceRotationCostsNoMoreForABiggerSet(t *testing.T) {
	const ttl = int64(time.Minute)
	for _, n := range []int{1 << 10, 1 << 17} {
		for _, tt := range []struct {
			name  string
			after int64 // since the generation began
		}{
			{"the next generation", ttl},
			{"everything forgotten", 2 * ttl},
		} {
			s := newNonceSet(ttl, 0)
			for i := range n {
				s.once(int64(i), mix64(uint64(i)))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			fresh := s.once(tt.after, mix64(uint64(n)))
			runtime.ReadMemStats(&after)
			if !fresh {
				t.Fatalf("%d nonces, %s: a fresh nonce refused", n, tt.name)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 4<<10 {
				t.Errorf("%d nonces, %s: the rotating insert allocated %d bytes, want at most 4 KiB whatever the size", n, tt.name, got)
			}
		}
	}
}

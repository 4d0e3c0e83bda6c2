package countertest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// testOnceWithinTTL: a nonce is accepted once per scope, and its replay is
// refused up to the end of its ttl.
func testOnceWithinTTL(t *testing.T, h Harness) {
	ctx := context.Background()
	const ttl = 5 * time.Minute
	clock := limit.NewManualClock(epoch)
	m := h.New(t, clock)
	steps := []struct {
		advance time.Duration
		key     limit.Key
		want    bool
	}{
		{0, limit.Key{Scope: "AK1", ID: "n1"}, true},
		{0, limit.Key{Scope: "AK1", ID: "n1"}, false},
		{0, limit.Key{Scope: "AK2", ID: "n1"}, true}, // another access key's nonce
		{0, limit.Key{Scope: "AK1", ID: "n2"}, true},
		{0, limit.Key{Scope: "AK1:n", ID: "3"}, true}, // not AK1's nonce n:3
		{0, limit.Key{Scope: "AK1", ID: "n:3"}, true},
		{ttl / 2, limit.Key{Scope: "AK1", ID: "n1"}, false},
		{ttl/2 - time.Nanosecond, limit.Key{Scope: "AK1", ID: "n2"}, false},
		{0, limit.Key{Scope: "AK1", ID: "n3"}, true},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got, err := m.Once(ctx, s.key, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("step %d: Once(%+v) = %v, want %v", i, s.key, got, s.want)
		}
	}
}

func testOnceConcurrentSingleWinner(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.New(t, nil)
	for i := range 50 {
		k := limit.Key{Scope: "AK", ID: strconv.Itoa(i)}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if fresh, _ := m.Once(ctx, k, time.Minute); fresh {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("nonce %d accepted %d times", i, wins.Load())
		}
	}
}

func testOnceInvalid(t *testing.T, h Harness) {
	m := h.New(t, nil)
	if _, err := m.Once(context.Background(), limit.Key{Scope: "a", ID: "b"}, 0); !errors.Is(err, limit.ErrInvalid) {
		t.Fatalf("err %v, want ErrInvalid", err)
	}
}

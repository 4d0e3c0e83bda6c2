package limit

import (
	"context"
	"testing"
	"time"
)

// TestExpireLastHoldBeforeAFreedSlot: when the last live hold of a quota
// expires while a slot after it was freed by a settled hold, the expiry
// empties the holds and must stop there (it once read past the end and
// panicked, in a call's Reserve or in the sweep a call's Add runs).
func TestExpireLastHoldBeforeAFreedSlot(t *testing.T) {
	ctx := context.Background()
	clock := NewManualClock(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	m := NewMemory(Options{Clock: clock})
	defer m.Close()
	q := Quota{Key: Key{Scope: "sub", ID: "s1"}, Limit: 10, Period: Total}
	a, _ := m.Reserve(ctx, q, 1, time.Minute)
	b, _ := m.Reserve(ctx, q, 1, time.Hour)
	if !a.Granted || !b.Granted {
		t.Fatalf("holds not granted: %+v %+v", a, b)
	}
	if err := m.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // a expires
	r, err := m.Reserve(ctx, q, 0, 0)
	if err != nil || !r.Granted || r.Remaining != 9 {
		t.Errorf("after a expired: %+v, %v; want 9 remaining", r, err)
	}
}

package rediscounter

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// chargeLedger is what the admin API asks of a counter that remembers
// charges by id (admin.chargeLedger), so that a purchase cut by a crash is
// settled right after it.
type chargeLedger interface {
	CommitCharge(ctx context.Context, r limit.Reservation, id string) error
	Charged(id string) bool
	ChargeIDs() []string
	ForgetCharge(id string) error
}

var _ chargeLedger = (*Counter)(nil)

func TestCommitCharge(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	c := newTestCounter(t, addr, Options{})
	other := newTestCounter(t, addr, Options{}) // another node
	bal := limit.Quota{Key: limit.Key{Scope: limit.BalanceScope, ID: "pin1"}, Limit: 100, Period: limit.Total}

	r, _ := c.Reserve(ctx, bal, 30, time.Minute)
	if err := c.CommitCharge(ctx, r, "purchase-1"); err != nil {
		t.Fatal(err)
	}
	released, _ := c.Reserve(ctx, bal, 10, time.Minute)
	c.Release(ctx, released)
	if err := c.CommitCharge(ctx, released, "purchase-2"); err == nil {
		t.Fatal("a released hold was charged")
	}
	if !other.Charged("purchase-1") || other.Charged("purchase-2") || other.Charged("nobody") {
		t.Fatalf("charged: 1 %v, 2 %v, nobody %v; want only 1",
			other.Charged("purchase-1"), other.Charged("purchase-2"), other.Charged("nobody"))
	}
	if peek, _ := other.Reserve(ctx, bal, 0, 0); peek.Remaining != 70 {
		t.Fatalf("balance %d after a charge of 30, want 70", peek.Remaining)
	}
	if got := other.ChargeIDs(); !slices.Contains(got, "purchase-1") {
		t.Fatalf("charge ids %q", got)
	}
	if err := other.ForgetCharge("purchase-1"); err != nil {
		t.Fatal(err)
	}
	if c.Charged("purchase-1") || len(c.ChargeIDs()) != 1 { // purchase-2's id was written, never charged
		t.Fatalf("after forgetting: charged %v, ids %q", c.Charged("purchase-1"), c.ChargeIDs())
	}
	if err := c.ForgetCharge("purchase-2"); err != nil || len(c.ChargeIDs()) != 0 {
		t.Fatalf("forget: %v, ids %q", err, c.ChargeIDs())
	}
}

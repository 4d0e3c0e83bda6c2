package admin

import (
	"context"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// chargeLedger is a counter that remembers charges by id (limit.Memory):
// what lets a purchase interrupted by a crash be settled after it.
type chargeLedger interface {
	CommitCharge(ctx context.Context, r limit.Reservation, id string) error
	Charged(id string) bool
	ChargeIDs() []string
	ForgetCharge(id string) error
}

// purchaseStep is called after each step of a purchase ("stored",
// "charged", "finished"); the crash tests set it to die there.
var purchaseStep = func(string) {}

// Settled is what ReconcilePurchases did with one pending purchase.
type Settled struct {
	store.PendingPurchase
	// Charged is true when the counter had the charge and the purchase
	// was finished, false when it was cancelled.
	Charged bool
}

// ReconcilePurchases settles the purchases a crash left pending, before
// anything else runs: each one the counter has the charge of is
// finished, each other one is cancelled (its subscription deleted, the
// one it replaced restored), since its buyer was never told it
// succeeded. Either way the subscription and the money agree.
func ReconcilePurchases(ctx context.Context, st store.Store, counter limit.Counter) ([]Settled, error) {
	pending, err := st.PendingPurchases(ctx)
	if err != nil {
		return nil, err
	}
	ledger, _ := counter.(chargeLedger)
	var out []Settled
	for _, p := range pending {
		charged := p.Price == 0 || (ledger != nil && ledger.Charged(p.ID))
		if charged {
			err = st.FinishPurchase(ctx, p.ID)
		} else {
			err = st.CancelPurchase(ctx, p.ID)
		}
		if err != nil {
			return out, fmt.Errorf("settle purchase %s: %w", p.ID, err)
		}
		if ledger != nil && p.Price > 0 {
			if err := ledger.ForgetCharge(p.ID); err != nil {
				return out, err
			}
		}
		out = append(out, Settled{PendingPurchase: p, Charged: charged})
	}
	if ledger != nil {
		// A crash after a purchase finished and before the counter
		// forgot its charge leaves an id nothing pending names.
		for _, id := range ledger.ChargeIDs() {
			if err := ledger.ForgetCharge(id); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

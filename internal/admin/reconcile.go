package admin

import (
	"context"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
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
	// Charged is true when the purchase was finished: its payment is
	// taken on the counter, false when it was cancelled.
	Charged bool
	// ChargedNow is true when the counter did not have the payment and
	// was brought to the ledger, which had it.
	ChargedNow bool
}

// ReconcilePurchases settles the purchases a crash left pending, before
// anything else runs. A pending purchase's payment is a row of the store's
// ledger, committed with its subscription: the purchase stands, and the
// counter is brought to the ledger. With a journaled counter
// (limit.Memory), each purchase whose charge the journal lacks is charged
// now, as one journal record synced; one the balance can no longer pay
// for (it cannot happen: the price was held when the purchase committed)
// is cancelled, its ledger row with it. With a counter whose balances are
// of record in the ledger (cluster mode) there is nothing to charge: a
// payment still pending in Redis is the sweeper's (rediscounter). Either
// way the subscriptions, the ledger and the counter agree.
func ReconcilePurchases(ctx context.Context, st store.Store, counter limit.Counter) ([]Settled, error) {
	pending, err := st.PendingPurchases(ctx)
	if err != nil {
		return nil, err
	}
	_, inLedger := ledgered(counter)
	var journal chargeLedger
	if !inLedger {
		journal, _ = counter.(chargeLedger)
	}
	var out []Settled
	for _, p := range pending {
		s := Settled{PendingPurchase: p, Charged: p.Price == 0 || inLedger || (journal != nil && journal.Charged(p.ID))}
		if !s.Charged && journal != nil {
			if s.Charged, err = chargeNow(ctx, st, counter, journal, p); err != nil {
				return out, fmt.Errorf("charge purchase %s: %w", p.ID, err)
			}
			s.ChargedNow = s.Charged
		}
		if s.Charged {
			err = st.FinishPurchase(ctx, p.ID)
		} else {
			err = st.CancelPurchase(ctx, p.ID)
		}
		if err != nil {
			return out, fmt.Errorf("settle purchase %s: %w", p.ID, err)
		}
		if journal != nil && p.Price > 0 {
			if err := journal.ForgetCharge(p.ID); err != nil {
				return out, err
			}
		}
		out = append(out, s)
	}
	if journal != nil {
		// A crash after a purchase finished and before the counter
		// forgot its charge leaves an id nothing pending names.
		for _, id := range journal.ChargeIDs() {
			if err := journal.ForgetCharge(id); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// chargeNow charges a pending purchase's price to its balance on the
// counter, keyed by its id, and syncs it. It reports false when the
// balance cannot pay, or the account is gone.
func chargeNow(ctx context.Context, st store.Store, counter limit.Counter, journal chargeLedger, p store.PendingPurchase) (bool, error) {
	credit, err := st.Credit(ctx, p.Pin)
	if errcode.Has(err, errcode.ResourceNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	hold, err := counter.Reserve(ctx, snapshot.BalanceQuota(p.Pin, credit), p.Price, purchaseHold)
	if err != nil || !hold.Granted {
		return false, err
	}
	if err := journal.CommitCharge(ctx, hold, p.ID); err != nil {
		return false, err
	}
	return true, counter.Sync(ctx)
}

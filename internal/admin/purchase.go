package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// purchaseHold is how long a package price is held while the
// subscription is written: long enough for one store write, short enough
// that a crash between the two gives the money back soon (holds are not
// journaled, and an unsettled one expires).
const purchaseHold = time.Minute

// purchaseResult is what buying a plan answers.
type purchaseResult struct {
	Subscription model.Subscription `json:"subscription"`
	// Balance is the account's balance after the purchase; nil when the
	// counters could not say (afterBalance).
	Balance *model.Money `json:"balance,omitempty"`
}

// purchase buys plan planID for pin. The checks run in this order, and the
// first that fails is the answer:
//
//   - the account exists and is active;
//   - it is real-name verified (errcode.PurchaseIdentityUnverified);
//   - the plan exists and is not withdrawn;
//   - its group is not suspended (errcode.GatewayServiceStopped);
//   - the balance covers the package price (errcode.PurchaseNoBalance).
//
// Any other failure is errcode.PurchaseFailed, with the cause wrapped for
// the log. The payment is a row of the store's ledger, written in the
// transaction that stores the subscription: they commit together or not
// at all. The counter, where pay-per-call charges are drawn too, holds
// the price while that transaction runs, so that no two purchases and
// calls can spend the same money (docs/market.md):
//
//  1. one store transaction makes the checks, holds the price on the
//     balance, and stores the subscription, its ledger row and a pending
//     purchase;
//  2. the hold is committed as a charge keyed by the purchase's id, in
//     one journal record, and synced;
//  3. the pending purchase is finished, and the counter forgets the id.
//
// A crash after 1 leaves a pending purchase that the next start settles
// (ReconcilePurchases): the ledger has its payment, so the counter is
// brought to it. With a counter whose balances are of record in the
// ledger (counters in Redis, cluster mode), step 1 turns the hold into a
// pending payment (moneyLedger.Pend) before it commits, and Resolve keeps
// it or gives it back after, as the ledger says; there is no step 2.
func (s *server) purchase(ctx context.Context, pin, planID string) (purchaseResult, error) {
	ml, ledgered := s.moneyLedger()
	if ledgered {
		// A balance Redis lost is seeded from the ledger here, outside
		// the transaction, since a seed waits for the store's lock.
		if _, err := s.counter.Reserve(ctx, snapshot.BalanceQuota(pin, 0), 0, 0); err != nil {
			return purchaseResult{}, purchaseFailed(err)
		}
	}
	var hold limit.Reservation
	var credit model.Money
	var pended string
	sub, pending, err := s.store.Purchase(ctx, pin, planID, func(price model.Money, ref string) error {
		c, err := s.store.Credit(ctx, pin)
		if err != nil {
			return err
		}
		credit = c
		if price <= 0 {
			return nil
		}
		hold, err = s.counter.Reserve(ctx, snapshot.BalanceQuota(pin, credit), price, purchaseHold)
		if err != nil {
			return counterFailed(err)
		}
		if !hold.Granted {
			return errcode.Newf(errcode.PurchaseNoBalance, "the package costs %d; the balance is %d", price, hold.Remaining)
		}
		if ledgered {
			// The money is taken before the row that records it
			// commits, and stays taken only if it does (Resolve).
			if err := ml.Pend(ctx, hold, ref); err != nil {
				return err
			}
			pended = ref
		}
		return nil
	})
	if pended != "" {
		// Whatever the transaction did, the ledger tells. A failure
		// here leaves it to the sweeper of some node.
		if rerr := ml.Resolve(context.WithoutCancel(ctx), pin, pended); rerr != nil {
			s.log.Warn("purchase: its payment is left pending for the sweeper", "subscription", pended, "error", rerr)
		}
	}
	if err != nil {
		if hold.Granted && pended == "" {
			// The transaction did not commit: nothing is stored.
			err = errors.Join(err, s.counter.Release(ctx, hold))
		}
		return purchaseResult{}, purchaseRefused(err)
	}
	purchaseStep("stored")
	if hold.Granted && !ledgered {
		if err := s.charge(ctx, hold, pending.ID); err != nil {
			if errors.Is(err, limit.ErrUnknownReservation) {
				// The hold expired uncharged: undo the subscription.
				err = errors.Join(err, s.store.CancelPurchase(ctx, pending.ID))
			}
			// Otherwise the charge may or may not be durable: the
			// purchase stays pending, and the next start settles it.
			return purchaseResult{}, purchaseFailed(fmt.Errorf("charge purchase %s (subscription %s): %w", pending.ID, sub.ID, err))
		}
		purchaseStep("charged")
	}
	if err := s.store.FinishPurchase(ctx, pending.ID); err != nil {
		return purchaseResult{}, purchaseFailed(fmt.Errorf("finish purchase %s: %w", pending.ID, err))
	}
	purchaseStep("finished")
	if ledger, ok := s.counter.(chargeLedger); ok && hold.Granted && !ledgered {
		// Only memory is saved: a crash before it leaves an id that
		// no pending purchase names, and the next start forgets it.
		ledger.ForgetCharge(pending.ID)
	}
	return purchaseResult{Subscription: sub, Balance: s.afterBalance(ctx, pin, credit)}, nil
}

// charge commits the hold of purchase id and makes it durable: as a
// charge the counter remembers by id when it can (limit.Memory), so that
// a restart can tell whether it was made.
func (s *server) charge(ctx context.Context, hold limit.Reservation, id string) error {
	var err error
	if ledger, ok := s.counter.(chargeLedger); ok {
		err = ledger.CommitCharge(ctx, hold, id)
	} else {
		err = s.counter.Commit(ctx, hold)
	}
	if err != nil {
		return err
	}
	return s.counter.Sync(ctx)
}

// purchaseRefused passes the refusals a buyer may see as they are and
// makes anything else errcode.PurchaseFailed.
func purchaseRefused(err error) error {
	for _, c := range []*errcode.Condition{errcode.PurchaseFailed, errcode.PurchaseIdentityUnverified,
		errcode.GatewayServiceStopped, errcode.PurchaseNoBalance, errcode.Unavailable} {
		if errcode.Has(err, c) {
			var e *errcode.Error
			errors.As(err, &e)
			return e
		}
	}
	return purchaseFailed(err)
}

// purchaseFailed is the answer to a purchase that failed for a reason of
// its own: errcode.PurchaseFailed, caused by err.
func purchaseFailed(err error) error {
	return &errcode.Error{Cond: errcode.PurchaseFailed, Detail: purchaseDetail(err), Cause: err}
}

// purchaseDetail tells the buyer why, when the cause is a refusal it may
// see (an unknown account or plan); a failure of the store or the counter
// stays in the log.
func purchaseDetail(err error) string {
	var e *errcode.Error
	if errors.As(err, &e) && e.Cond.HTTP() < 500 {
		return e.Message(errcode.DialectJDCloud, errcode.English)
	}
	return ""
}

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
	// Balance is the account's balance after the purchase.
	Balance model.Money `json:"balance"`
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
// the log. The price is held on the balance (the data plane's counter,
// where pay-per-call charges are drawn too, so that no two purchases and
// calls can spend the same money), the subscription is written, and only
// then is the hold committed; a failed write releases it. Nothing is
// charged for a purchase that fails.
func (s *server) purchase(ctx context.Context, pin, planID string) (purchaseResult, error) {
	a, err := s.store.Account(ctx, pin)
	if err != nil {
		return purchaseResult{}, purchaseFailed(err)
	}
	if a.Status != model.AccountActive {
		return purchaseResult{}, errcode.Newf(errcode.PurchaseFailed, "account %s is %s", pin, a.Status)
	}
	if !a.RealNameVerified {
		return purchaseResult{}, errcode.Newf(errcode.PurchaseIdentityUnverified, "account %s is not real-name verified", pin)
	}
	p, err := s.store.Plan(ctx, planID)
	if err != nil {
		return purchaseResult{}, purchaseFailed(err)
	}
	if p.Withdrawn {
		return purchaseResult{}, errcode.Newf(errcode.PurchaseFailed, "plan %s is withdrawn", p.ID)
	}
	g, err := s.store.Group(ctx, p.GroupID)
	if err != nil {
		return purchaseResult{}, purchaseFailed(err)
	}
	if g.Status == model.GroupSuspended {
		return purchaseResult{}, errcode.Newf(errcode.GatewayServiceStopped, "group %s is suspended", g.ID)
	}
	credit, err := s.store.Credit(ctx, pin)
	if err != nil {
		return purchaseResult{}, purchaseFailed(err)
	}
	var hold limit.Reservation
	if price := p.PackagePrice(); price > 0 {
		hold, err = s.counter.Reserve(ctx, snapshot.BalanceQuota(pin, credit), price, purchaseHold)
		if err != nil {
			return purchaseResult{}, purchaseFailed(err)
		}
		if !hold.Granted {
			return purchaseResult{}, errcode.Newf(errcode.PurchaseNoBalance,
				"the package costs %d; the balance is %d", price, hold.Remaining)
		}
	}
	sub, err := s.store.CreateSubscription(ctx, p.Terms(pin))
	if err != nil {
		if hold.Granted {
			err = errors.Join(err, s.counter.Release(ctx, hold))
		}
		return purchaseResult{}, purchaseFailed(err)
	}
	if hold.Granted {
		// The subscription is stored: from here a failure leaves it
		// standing, and the answer says the charge may not be durable.
		if err := s.counter.Commit(ctx, hold); err != nil {
			return purchaseResult{}, purchaseFailed(fmt.Errorf("commit the charge of subscription %s: %w", sub.ID, err))
		}
		if err := s.counter.Sync(ctx); err != nil {
			return purchaseResult{}, purchaseFailed(fmt.Errorf("sync the charge of subscription %s: %w", sub.ID, err))
		}
	}
	balance, err := s.balance(ctx, pin, credit)
	if err != nil {
		return purchaseResult{}, purchaseFailed(err)
	}
	return purchaseResult{Subscription: sub, Balance: balance}, nil
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

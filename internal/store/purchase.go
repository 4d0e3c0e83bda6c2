package store

import (
	"context"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// PurchaseIDPrefix starts the id of a purchase.
const PurchaseIDPrefix = "pur-"

// PendingPurchase is a purchase whose subscription is stored and whose
// charge on the counters (package limit) is not known to be settled yet.
type PendingPurchase struct {
	ID             string
	Pin            string
	SubscriptionID string
	// ReplacedID is the subscription of the pin to the group that the
	// purchase ended, "" if none: cancelling restores it.
	ReplacedID string
	Price      model.Money
	CreatedAt  time.Time
}

// Purchases makes a purchase one decision across two stores: the
// subscription here, the money on the counters (docs/market.md, "A
// purchase across two stores").
type Purchases interface {
	// Purchase buys the plan planID for pin in one write transaction. It
	// checks, in this order, and the first that fails is the answer: the
	// account exists (errcode.ResourceNotFound "account P") and is
	// active (errcode.PurchaseFailed), it is real-name verified
	// (errcode.PurchaseIdentityUnverified), the plan exists
	// (errcode.ResourceNotFound "plan P") and is not withdrawn
	// (errcode.PurchaseFailed), its group is not suspended
	// (errcode.GatewayServiceStopped). Then, still inside the
	// transaction, it calls hold with the package price and the ref of
	// its ledger row (the new subscription's id): an error from hold (the
	// balance does not cover it) rolls everything back and is returned as
	// it is. Then it stores the subscription, ending the pin's current
	// one to the group, its ledger row (kind LedgerPurchase, when the
	// price is not 0) and a pending purchase naming it, and commits. The purchase stays pending until FinishPurchase or
	// CancelPurchase. Purchases run one at a time, whatever the process
	// making them: hold is never called beside another purchase's hold,
	// and sees what every purchase before it committed.
	Purchase(ctx context.Context, pin, planID string, hold func(price model.Money, ref string) error) (model.Subscription, PendingPurchase, error)
	// FinishPurchase settles a pending purchase whose money was charged:
	// it only forgets it. An unknown id is not an error.
	FinishPurchase(ctx context.Context, id string) error
	// CancelPurchase undoes a pending purchase whose money was not
	// charged: it deletes its subscription and its ledger row, and makes
	// current again the one it replaced (unless the pin has another
	// current one to the group), in one transaction. An unknown id is not
	// an error.
	CancelPurchase(ctx context.Context, id string) error
	// PendingPurchases returns the purchases not settled, oldest first.
	PendingPurchases(ctx context.Context) ([]PendingPurchase, error)
}

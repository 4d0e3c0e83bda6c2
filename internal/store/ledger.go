package store

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Kinds of ledger row: what moved an account's money.
const (
	// LedgerRecharge adds a recharge's amount; its ref is the recharge's id.
	LedgerRecharge = "recharge"
	// LedgerPurchase takes a package's price; its ref is the subscription's id.
	LedgerPurchase = "purchase"
	// LedgerCharge takes one call's price; its ref is the charge's id,
	// made by the counter that committed it.
	LedgerCharge = "charge"
)

// Ledger reads the ledger: every movement of an account's money, one row
// each (docs/cluster.md, "Money has one ledger"). Recharge and Purchase
// write their row in the transaction that stores them, so a recharge or a
// purchase and its money commit together.
type Ledger interface {
	// LedgerBalance returns what pin's rows add up to: its credit (the
	// recharges) and its spend (purchases and charges, as a positive
	// amount). The balance of record is credit - spent. A pin without
	// rows has 0 and 0.
	LedgerBalance(ctx context.Context, pin string) (credit, spent model.Money, err error)
}

package limit

import "context"

// A ledger is where money is of record when counters are shared: a
// network counter (rediscounter) counts balances in its own memory, which
// a restart of its server may lose, and writes each charge to a ledger
// (package postgres), from which it rebuilds a balance it no longer has.
// docs/cluster.md, "Money has one ledger", has the protocol and every
// crash point.

// LedgerCharge is one charged call on its way to a ledger.
type LedgerCharge struct {
	// Ref names the charge, unique for all time: the ledger writes one
	// row per Ref, however often it is given.
	Ref string
	// Pin is the account charged.
	Pin string
	// Amount is what the call cost, in minor units (positive).
	Amount int64
}

// Ledger is the record of an account's money that a counter writes
// charges to and rebuilds balances from.
type Ledger interface {
	// Write writes charges as rows in one transaction, skipping those
	// whose Ref is a row already, and returns once the transaction
	// survives a crash of the ledger's machine. It then calls apply, with
	// written[i] true when charges[i] was written by this call, and does
	// not let a Seed run until apply has returned: a Seed sees either the
	// rows and the effect of apply, or neither. apply is not called when
	// Write fails.
	Write(ctx context.Context, charges []LedgerCharge, apply func(written []bool)) error

	// Written reports which refs are rows, once every transaction of
	// the store that was running when it was called has ended: a purchase
	// writes its row in the store transaction that stores it, so what is
	// not written then never will be.
	Written(ctx context.Context, refs []string) ([]bool, error)

	// Seed reads what pin has spent (purchases and charges) and calls
	// seed with it, while no Write is between its commit and the end of
	// its apply and no store transaction is running. seed may read and
	// write the ledger through tx, as of that same moment.
	Seed(ctx context.Context, pin string, seed func(spent int64, tx LedgerSeed) error) error
}

// LedgerSeed is what a seed may do in the ledger while it holds it still.
type LedgerSeed interface {
	// Written reports which refs are rows.
	Written(refs []string) ([]bool, error)
	// Open writes a charge of amount (positive) under ref, unless ref is
	// a row already: what a counter counted before it had a ledger (its
	// opening spend), so that a rebuild does not forget it.
	Open(ref string, amount int64) error
}

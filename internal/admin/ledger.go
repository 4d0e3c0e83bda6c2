package admin

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// moneyLedger is a counter whose balances are of record in the store's
// ledger (rediscounter with a ledger: cluster mode). It holds what a
// balance has spent as a cache, and a purchase's payment as pending
// while the store transaction that writes its ledger row runs.
type moneyLedger interface {
	// Ledgered reports whether the counter has a ledger at all.
	Ledgered() bool
	// Pend turns a granted hold into the pending payment ref.
	Pend(ctx context.Context, r limit.Reservation, ref string) error
	// Resolve keeps the pending payment ref if the ledger has its row,
	// and gives it back if not, once the store's transactions that were
	// running have ended.
	Resolve(ctx context.Context, pin, ref string) error
}

// ledgered returns the counter as a moneyLedger when its balances are of
// record in the ledger.
func ledgered(c limit.Counter) (moneyLedger, bool) {
	ml, ok := c.(moneyLedger)
	if !ok || !ml.Ledgered() {
		return nil, false
	}
	return ml, true
}

// moneyLedger is ledgered of the server's counter.
func (s *server) moneyLedger() (moneyLedger, bool) { return ledgered(s.counter) }

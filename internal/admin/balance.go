package admin

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// An account's balance is not stored: its credit (the sum of its
// recharges) is in the store, and what it spent (package purchases and
// pay-per-call charges) is the use of a quota of the counter whose limit
// is the credit, snapshot.BalanceQuota. The data plane and the admin API
// draw from that one counter, so a hold on one plane is seen on the other.
// When the counter's balances are of record in the store's ledger
// (cluster mode), the balance reported is the ledger's: every recharge,
// purchase and charged call a caller was answered for, and nothing held.

// balance returns what is left of pin's credit: the credit less what the
// counter has charged and holds, or what the ledger says. It holds
// nothing.
func (s *server) balance(ctx context.Context, pin string, credit model.Money) (model.Money, error) {
	if _, ok := s.moneyLedger(); ok {
		c, spent, err := s.store.LedgerBalance(ctx, pin)
		if err != nil {
			return 0, err
		}
		return c - spent, nil
	}
	r, err := s.counter.Reserve(ctx, snapshot.BalanceQuota(pin, credit), 0, 0)
	if err != nil {
		return 0, counterFailed(err)
	}
	return r.Remaining, nil
}

// afterBalance is pin's balance for the answer to a write of money that
// is already stored (a recharge, a purchase), or nil when the counters
// cannot tell it (Redis is down). The write must not be answered with an
// error then: its caller would make it again.
func (s *server) afterBalance(ctx context.Context, pin string, credit model.Money) *model.Money {
	b, err := s.balance(ctx, pin, credit)
	if err != nil {
		s.log.WarnContext(ctx, "a write of money is stored; its answer leaves out the balance, which the counters cannot tell",
			"pin", pin, "err", err)
		return nil
	}
	return &b
}

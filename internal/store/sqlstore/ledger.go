package sqlstore

import (
	"context"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// The ledger (migration 0013): one row per movement of money, written in
// the transaction of the recharge or purchase it records. Charged calls
// are written by the counters (package postgres, Ledger).

// appendLedger writes one row in tx. amount is signed: positive for
// credit, negative for spend.
func appendLedger(ctx context.Context, tx querier, ref, pin, kind string, amount model.Money, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ledger (ref, pin, kind, amount, created_at) VALUES (?, ?, ?, ?, ?)`,
		ref, pin, kind, amount, at.UnixMicro())
	return err
}

// LedgerBalance implements store.Ledger.
func (s *Store) LedgerBalance(ctx context.Context, pin string) (credit, spent model.Money, err error) {
	err = s.reader.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN kind = ? THEN amount ELSE 0 END), 0),
			COALESCE(-SUM(CASE WHEN kind = ? THEN 0 ELSE amount END), 0)
		FROM ledger WHERE pin = ?`, store.LedgerRecharge, store.LedgerRecharge, pin).Scan(&credit, &spent)
	return credit, spent, s.failed(err)
}

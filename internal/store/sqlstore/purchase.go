package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const pendingColumns = `id, pin, subscription_id, replaced_id, price, created_at`

// Purchase implements store.Store.
func (s *Store) Purchase(ctx context.Context, pin, planID string, hold func(price model.Money, ref string) error) (model.Subscription, store.PendingPurchase, error) {
	var out model.Subscription
	var pp store.PendingPurchase
	err := s.write(ctx, func(tx querier) error {
		a, err := getAccount(ctx, tx, pin)
		if err != nil {
			return err
		}
		if a.Status != model.AccountActive {
			return errcode.Newf(errcode.PurchaseFailed, "account %s is %s", pin, a.Status)
		}
		if !a.RealNameVerified {
			return errcode.Newf(errcode.PurchaseIdentityUnverified, "account %s is not real-name verified", pin)
		}
		p, err := getPlan(ctx, tx, planID)
		if err != nil {
			return err
		}
		if p.Withdrawn {
			return errcode.Newf(errcode.PurchaseFailed, "plan %s is withdrawn", p.ID)
		}
		g, err := getGroup(ctx, tx, p.GroupID)
		if err != nil {
			return err
		}
		if g.Status == model.GroupSuspended {
			return errcode.Newf(errcode.GatewayServiceStopped, "group %s is suspended", g.ID)
		}
		price := p.PackagePrice()
		out = p.Terms(pin)
		out.Paid = price
		out.ID = store.NewID(store.SubscriptionIDPrefix)
		if err := hold(price, out.ID); err != nil {
			return err
		}
		out.CreatedAt = now()
		var replaced string
		err = tx.QueryRowContext(ctx, `SELECT id FROM subscriptions WHERE pin = ? AND group_id = ? AND ended_at IS NULL`,
			pin, out.GroupID).Scan(&replaced)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET ended_at = ? WHERE id = ?`,
			out.CreatedAt.UnixMicro(), replaced); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (id, pin, plan_id, group_id, price_per_call, daily_limit,
				total_calls, qps, paid, created_at, ended_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
			out.ID, out.Pin, out.PlanID, out.GroupID, out.PricePerCall, out.DailyLimit, out.TotalCalls, out.QPS, out.Paid,
			out.CreatedAt.UnixMicro()); err != nil {
			return err
		}
		if price > 0 {
			// The payment commits with the subscription, or neither does.
			if err := appendLedger(ctx, tx, out.ID, pin, store.LedgerPurchase, -price, out.CreatedAt); err != nil {
				return err
			}
		}
		pp = store.PendingPurchase{ID: store.NewID(store.PurchaseIDPrefix), Pin: pin, SubscriptionID: out.ID,
			ReplacedID: replaced, Price: price, CreatedAt: out.CreatedAt}
		_, err = tx.ExecContext(ctx, `INSERT INTO pending_purchases (`+pendingColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			pp.ID, pp.Pin, pp.SubscriptionID, pp.ReplacedID, pp.Price, pp.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Subscription{}, store.PendingPurchase{}, err
	}
	return out, pp, nil
}

// FinishPurchase implements store.Store.
func (s *Store) FinishPurchase(ctx context.Context, id string) error {
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM pending_purchases WHERE id = ?`, id)
		return err
	})
}

// CancelPurchase implements store.Store.
func (s *Store) CancelPurchase(ctx context.Context, id string) error {
	return s.write(ctx, func(tx querier) error {
		pp, err := scanPending(tx.QueryRowContext(ctx, `SELECT `+pendingColumns+` FROM pending_purchases WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var group string
		err = tx.QueryRowContext(ctx, `SELECT group_id FROM subscriptions WHERE id = ?`, pp.SubscriptionID).Scan(&group)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ?`, pp.SubscriptionID); err != nil {
			return err
		}
		// The buyer was never told: the payment goes with the purchase.
		if _, err := tx.ExecContext(ctx, `DELETE FROM ledger WHERE ref = ?`, pp.SubscriptionID); err != nil {
			return err
		}
		if pp.ReplacedID != "" && group != "" {
			current, err := exists(ctx, tx, `SELECT 1 FROM subscriptions WHERE pin = ? AND group_id = ? AND ended_at IS NULL`, pp.Pin, group)
			if err != nil {
				return err
			}
			if !current {
				if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET ended_at = NULL WHERE id = ?`, pp.ReplacedID); err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM pending_purchases WHERE id = ?`, id)
		return err
	})
}

// PendingPurchases implements store.Store.
func (s *Store) PendingPurchases(ctx context.Context) ([]store.PendingPurchase, error) {
	out, err := queryAll(ctx, s.reader, scanPending, `SELECT `+pendingColumns+` FROM pending_purchases ORDER BY created_at, rowid`)
	return out, s.failed(err)
}

func scanPending(r scanner) (store.PendingPurchase, error) {
	var p store.PendingPurchase
	err := r.Scan(&p.ID, &p.Pin, &p.SubscriptionID, &p.ReplacedID, &p.Price, (*micros)(&p.CreatedAt))
	return p, err
}

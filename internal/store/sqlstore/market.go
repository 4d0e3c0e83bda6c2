package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// The market's lists are ordered by created_at and then rowid, the order
// of insertion: two subscriptions of one pin can be made in the same
// microsecond, and the one that replaced the other must come after it.

const planColumns = `id, group_id, name, price_per_call, daily_limit, total_calls, qps, withdrawn, created_at`

const subscriptionColumns = `id, pin, plan_id, group_id, price_per_call, daily_limit, total_calls, qps, paid,
	created_at, COALESCE(ended_at, 0)`

const rechargeColumns = `id, pin, amount, created_at`

// CreatePlan implements store.Store.
func (s *Store) CreatePlan(ctx context.Context, p model.Plan) (model.Plan, error) {
	if err := p.Validate(); err != nil {
		return model.Plan{}, err
	}
	p.ID = store.NewID(store.PlanIDPrefix)
	p.CreatedAt = now()
	err := s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, p.GroupID); err != nil {
			return err
		}
		if err := planNameFree(ctx, tx, p.GroupID, p.Name, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO plans (`+planColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.GroupID, p.Name, p.PricePerCall, p.DailyLimit, p.TotalCalls, p.QPS, p.Withdrawn, p.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Plan{}, err
	}
	return p, nil
}

// planNameFree refuses a name that a plan of the group other than self
// has.
func planNameFree(ctx context.Context, q querier, groupID, name, self string) error {
	taken, err := exists(ctx, q, `SELECT 1 FROM plans WHERE group_id = ? AND name = ? AND id <> ?`, groupID, name, self)
	if err != nil {
		return err
	}
	if taken {
		return &errcode.Error{Cond: errcode.RecordConflict, Subject: "name",
			Detail: "the group " + groupID + " has a plan named " + strconv.Quote(name)}
	}
	return nil
}

// Plan implements store.Store.
func (s *Store) Plan(ctx context.Context, id string) (model.Plan, error) {
	p, err := getPlan(ctx, s.reader, id)
	return p, s.failed(err)
}

// getPlan returns a plan, or ResourceNotFound.
func getPlan(ctx context.Context, q querier, id string) (model.Plan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Plan{}, notFound("plan " + id)
	}
	return p, err
}

// ListPlans implements store.Store. An unknown group is
// errcode.ResourceNotFound "group G".
func (s *Store) ListPlans(ctx context.Context, groupID string) ([]model.Plan, error) {
	var out []model.Plan
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, scanPlan, `SELECT `+planColumns+` FROM plans WHERE group_id = ?
			ORDER BY created_at, rowid`, groupID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdatePlan implements store.Store. The id, the group and the creation
// time are kept whatever update does; a change of a term (pricePerCall,
// dailyLimit, totalCalls, qps) is errcode.ParamValueInvalid whose Subject
// names the field, and a name the group's other plans have is
// errcode.RecordConflict.
func (s *Store) UpdatePlan(ctx context.Context, id string, update func(*model.Plan) error) (model.Plan, error) {
	var p model.Plan
	err := s.write(ctx, func(tx querier) error {
		old, err := getPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		p = old
		if err := update(&p); err != nil {
			return err
		}
		p.ID, p.GroupID, p.CreatedAt = old.ID, old.GroupID, old.CreatedAt
		if err := sameTerms(&old, &p); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		if p.Name != old.Name {
			if err := planNameFree(ctx, tx, p.GroupID, p.Name, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE plans SET name = ?, withdrawn = ? WHERE id = ?`, p.Name, p.Withdrawn, id)
		return err
	})
	if err != nil {
		return model.Plan{}, err
	}
	return p, nil
}

// sameTerms refuses a change of the terms subscribers bought. The refusal
// is ParamValueInvalid rather than ModifyError, whose message speaks of a
// published group: it is the field's new value that cannot be taken,
// whatever the group's state.
func sameTerms(old, p *model.Plan) error {
	for _, f := range []struct {
		name     string
		old, new int64
	}{
		{"pricePerCall", old.PricePerCall, p.PricePerCall},
		{"dailyLimit", old.DailyLimit, p.DailyLimit},
		{"totalCalls", old.TotalCalls, p.TotalCalls},
		{"qps", old.QPS, p.QPS},
	} {
		if f.new != f.old {
			return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: f.name,
				Detail: "a plan's terms cannot change, since its subscribers bought them; create another plan"}
		}
	}
	return nil
}

// CreateSubscription implements store.Store. The terms stored are the
// plan's, copied inside the transaction, whatever s holds; Paid is stored
// as given (0 to model.MaxMoney, else errcode.ParamValueInvalid "paid").
// An account that does not exist is errcode.PinInvalid "pin", a plan that
// does not exist errcode.ResourceNotFound "plan P", and a GroupID that is
// set and is not the plan's errcode.ParentMismatch.
func (s *Store) CreateSubscription(ctx context.Context, sub model.Subscription) (model.Subscription, error) {
	if err := model.ValidatePin("pin", sub.Pin); err != nil {
		return model.Subscription{}, err
	}
	if sub.PlanID == "" {
		return model.Subscription{}, errcode.New(errcode.ArgumentNotFound, "planId")
	}
	if sub.Paid < 0 || sub.Paid > model.MaxMoney {
		return model.Subscription{}, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "paid",
			Detail: strconv.FormatInt(sub.Paid, 10) + ": from 0 to " + strconv.FormatInt(model.MaxMoney, 10) + " minor units"}
	}
	var out model.Subscription
	err := s.write(ctx, func(tx querier) error {
		if err := accountExists(ctx, tx, sub.Pin); err != nil {
			return err
		}
		p, err := getPlan(ctx, tx, sub.PlanID)
		if err != nil {
			return err
		}
		if sub.GroupID != "" && sub.GroupID != p.GroupID {
			return errcode.Newf(errcode.ParentMismatch, "the plan %s is a plan of group %s, not of group %s", p.ID, p.GroupID, sub.GroupID)
		}
		out = p.Terms(sub.Pin)
		out.Paid = sub.Paid
		out.ID = store.NewID(store.SubscriptionIDPrefix)
		out.CreatedAt = now()
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET ended_at = ? WHERE pin = ? AND group_id = ? AND ended_at IS NULL`,
			out.CreatedAt.UnixMicro(), out.Pin, out.GroupID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (id, pin, plan_id, group_id, price_per_call, daily_limit,
				total_calls, qps, paid, created_at, ended_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
			out.ID, out.Pin, out.PlanID, out.GroupID, out.PricePerCall, out.DailyLimit, out.TotalCalls, out.QPS, out.Paid,
			out.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Subscription{}, err
	}
	return out, nil
}

// Subscription implements store.Store.
func (s *Store) Subscription(ctx context.Context, id string) (model.Subscription, error) {
	sub, err := scanSubscription(s.reader.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Subscription{}, notFound("subscription " + id)
	}
	return sub, s.failed(err)
}

// ListSubscriptions implements store.Store. An unknown pin is
// errcode.ResourceNotFound "account P".
func (s *Store) ListSubscriptions(ctx context.Context, pin string) ([]model.Subscription, error) {
	var out []model.Subscription
	err := s.read(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, pin); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, scanSubscription, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE pin = ?
			ORDER BY created_at, rowid`, pin)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Recharge implements store.Store. A recharge that would take the
// account's credit above model.MaxMoney is errcode.ParamValueInvalid
// "amount", like an amount out of range: no sum of credits and charges may
// overflow.
func (s *Store) Recharge(ctx context.Context, r model.Recharge) (model.Recharge, model.Money, error) {
	if err := model.ValidateAmount(r.Amount); err != nil {
		return model.Recharge{}, 0, err
	}
	r.ID = store.NewID(store.RechargeIDPrefix)
	r.CreatedAt = now()
	var after model.Money
	err := s.write(ctx, func(tx querier) error {
		if err := accountExists(ctx, tx, r.Pin); err != nil {
			return err
		}
		before, err := credit(ctx, tx, r.Pin)
		if err != nil {
			return err
		}
		if before > model.MaxMoney-r.Amount {
			return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "amount",
				Detail: "the credit " + strconv.FormatInt(before, 10) + " would be above " + strconv.FormatInt(model.MaxMoney, 10) + " minor units"}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO recharges (`+rechargeColumns+`) VALUES (?, ?, ?, ?)`,
			r.ID, r.Pin, r.Amount, r.CreatedAt.UnixMicro()); err != nil {
			return err
		}
		if err := appendLedger(ctx, tx, r.ID, r.Pin, store.LedgerRecharge, r.Amount, r.CreatedAt); err != nil {
			return err
		}
		after = before + r.Amount
		return nil
	})
	if err != nil {
		return model.Recharge{}, 0, err
	}
	return r, after, nil
}

// ListRecharges implements store.Store. An unknown pin is
// errcode.ResourceNotFound "account P".
func (s *Store) ListRecharges(ctx context.Context, pin string) ([]model.Recharge, error) {
	var out []model.Recharge
	err := s.read(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, pin); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, scanRecharge, `SELECT `+rechargeColumns+` FROM recharges WHERE pin = ?
			ORDER BY created_at, rowid`, pin)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Credit implements store.Store. An unknown pin is
// errcode.ResourceNotFound "account P".
func (s *Store) Credit(ctx context.Context, pin string) (model.Money, error) {
	var c model.Money
	err := s.read(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, pin); err != nil {
			return err
		}
		var err error
		c, err = credit(ctx, tx, pin)
		return err
	})
	return c, err
}

// credit returns the sum of pin's recharges.
func credit(ctx context.Context, q querier, pin string) (model.Money, error) {
	var c model.Money
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM recharges WHERE pin = ?`, pin).Scan(&c)
	return c, err
}

// accountExists refuses a pin, named in a request's body, that is no
// account.
func accountExists(ctx context.Context, q querier, pin string) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM accounts WHERE pin = ?`, pin)
	if err != nil {
		return err
	}
	if !ok {
		return &errcode.Error{Cond: errcode.PinInvalid, Subject: "pin", Detail: "no account has the pin " + strconv.Quote(pin)}
	}
	return nil
}

// loadMarket reads what LoadCallers gives of the market: every plan, the
// subscriptions that have not ended, and every account's credit; or, for
// the groups listed when groups is not nil, their plans and current
// subscriptions and the credit of those subscriptions' pins.
func loadMarket(ctx context.Context, q querier, groups []string) (model.Market, error) {
	var m model.Market
	var err error
	where, args := whereIn("group_id", groups)
	if m.Plans, err = queryAll(ctx, q, scanPlan, `SELECT `+planColumns+` FROM plans `+where+` ORDER BY created_at, rowid`, args...); err != nil {
		return m, err
	}
	if where == "" {
		where = "WHERE TRUE"
	}
	if m.Subscriptions, err = queryAll(ctx, q, scanSubscription, `SELECT `+subscriptionColumns+` FROM subscriptions
		`+where+` AND ended_at IS NULL ORDER BY created_at, rowid`, args...); err != nil {
		return m, err
	}
	var pins []string
	if groups != nil {
		pins = []string{}
		for _, sub := range m.Subscriptions {
			pins = append(pins, sub.Pin)
		}
	}
	where, args = whereIn("a.pin", pins)
	rows, err := q.QueryContext(ctx, `SELECT a.pin, COALESCE(SUM(r.amount), 0) FROM accounts a
		LEFT JOIN recharges r ON r.pin = a.pin `+where+` GROUP BY a.pin`, args...)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	m.Credits = make(map[string]model.Money)
	for rows.Next() {
		var pin string
		var c model.Money
		if err := rows.Scan(&pin, &c); err != nil {
			return m, err
		}
		m.Credits[pin] = c
	}
	return m, rows.Err()
}

func scanPlan(r scanner) (model.Plan, error) {
	var p model.Plan
	err := r.Scan(&p.ID, &p.GroupID, &p.Name, &p.PricePerCall, &p.DailyLimit, &p.TotalCalls, &p.QPS, &p.Withdrawn,
		(*micros)(&p.CreatedAt))
	return p, err
}

func scanSubscription(r scanner) (model.Subscription, error) {
	var s model.Subscription
	err := r.Scan(&s.ID, &s.Pin, &s.PlanID, &s.GroupID, &s.PricePerCall, &s.DailyLimit, &s.TotalCalls, &s.QPS, &s.Paid,
		(*micros)(&s.CreatedAt), (*micros)(&s.EndedAt))
	return s, err
}

func scanRecharge(r scanner) (model.Recharge, error) {
	var x model.Recharge
	err := r.Scan(&x.ID, &x.Pin, &x.Amount, (*micros)(&x.CreatedAt))
	return x, err
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const policyColumns = `id, owner, name, unit, api_limit, user_limit, key_limit, created_at, updated_at`

// CreatePolicy implements store.Store.
func (s *Store) CreatePolicy(ctx context.Context, p model.Policy) (model.Policy, error) {
	if err := p.Validate(); err != nil {
		return model.Policy{}, err
	}
	p.ID = store.NewID(store.PolicyIDPrefix)
	p.CreatedAt = now()
	p.UpdatedAt = p.CreatedAt
	err := s.write(ctx, func(tx querier) error {
		if err := policyNameFree(ctx, tx, p.Name, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO policies (`+policyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Owner, p.Name, p.Unit, p.APILimit, p.UserLimit, p.KeyLimit, p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Policy{}, err
	}
	return p, nil
}

func policyNameFree(ctx context.Context, tx querier, name, self string) error {
	dup, err := exists(ctx, tx, `SELECT 1 FROM policies WHERE name = ? AND id <> ?`, name, self)
	if err != nil {
		return err
	}
	if dup {
		return errcode.New(errcode.PolicyNameRepeat, name)
	}
	return nil
}

// Policy implements store.Store.
func (s *Store) Policy(ctx context.Context, id string) (model.Policy, error) {
	var p model.Policy
	err := s.read(ctx, func(tx querier) error {
		var err error
		p, err = getPolicy(ctx, tx, id)
		return err
	})
	return p, err
}

func getPolicy(ctx context.Context, q querier, id string) (model.Policy, error) {
	ps, err := queryPolicies(ctx, q, `SELECT `+policyColumns+` FROM policies WHERE id = ?`, id)
	if err != nil {
		return model.Policy{}, err
	}
	if len(ps) == 0 {
		return model.Policy{}, notFound("policy " + id)
	}
	return ps[0], nil
}

// ListPolicies implements store.Store.
func (s *Store) ListPolicies(ctx context.Context, owner string, all bool, p store.Page) ([]model.Policy, int, error) {
	var out []model.Policy
	var total int
	where, args := ` WHERE owner = ?`, []any{owner}
	if all {
		where, args = ``, nil
	}
	err := s.read(ctx, func(tx querier) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM policies`+where, args...).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryPolicies(ctx, tx, `SELECT `+policyColumns+` FROM policies`+where+` ORDER BY created_at, id LIMIT ? OFFSET ?`,
			append(args, p.Size, p.Offset())...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdatePolicy implements store.Store.
func (s *Store) UpdatePolicy(ctx context.Context, id string, update func(*model.Policy) error) (model.Policy, error) {
	var p model.Policy
	err := s.write(ctx, func(tx querier) error {
		old, err := getPolicy(ctx, tx, id)
		if err != nil {
			return err
		}
		p = old
		if err := update(&p); err != nil {
			return err
		}
		p.ID, p.Owner, p.CreatedAt = old.ID, old.Owner, old.CreatedAt
		if err := p.Validate(); err != nil {
			return err
		}
		if p.Name != old.Name {
			if err := policyNameFree(ctx, tx, p.Name, id); err != nil {
				return err
			}
		}
		p.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE policies SET name = ?, unit = ?, api_limit = ?, user_limit = ?, key_limit = ?,
			updated_at = ? WHERE id = ?`, p.Name, p.Unit, p.APILimit, p.UserLimit, p.KeyLimit, p.UpdatedAt.UnixMicro(), id)
		return err
	})
	if err != nil {
		return model.Policy{}, err
	}
	return p, nil
}

// DeletePolicy implements store.Store.
func (s *Store) DeletePolicy(ctx context.Context, id string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getPolicy(ctx, tx, id); err != nil {
			return err
		}
		bound, err := exists(ctx, tx, `SELECT 1 FROM policy_bindings WHERE policy_id = ?`, id)
		if err != nil {
			return err
		}
		if bound {
			return errcode.Newf(errcode.DeleteWhileBound, "the policy %s is bound to a group environment; unbind it first", id)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM policies WHERE id = ?`, id)
		return err
	})
}

// BindPolicy implements store.Store.
func (s *Store) BindPolicy(ctx context.Context, b model.PolicyBinding) (model.PolicyBinding, error) {
	if err := b.Validate(); err != nil {
		return model.PolicyBinding{}, err
	}
	err := s.write(ctx, func(tx querier) error {
		if _, err := getPolicy(ctx, tx, b.PolicyID); err != nil {
			return err
		}
		if _, err := getGroup(ctx, tx, b.GroupID); err != nil {
			return err
		}
		var cur string
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT policy_id, created_at FROM policy_bindings WHERE group_id = ? AND environment = ?`,
			b.GroupID, b.Environment).Scan(&cur, &created)
		switch {
		case err == nil && cur == b.PolicyID:
			b.CreatedAt = fromMicros(created)
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_bindings WHERE policy_id = ?`, b.PolicyID).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxPolicyBindings {
			return errcode.Newf(errcode.BindGroupTooMuch, "the policy %s is bound to %d group environments, the most allowed", b.PolicyID, n)
		}
		b.CreatedAt = now()
		_, err = tx.ExecContext(ctx, `INSERT INTO policy_bindings (group_id, environment, policy_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (group_id, environment) DO UPDATE SET policy_id = excluded.policy_id, created_at = excluded.created_at`,
			b.GroupID, b.Environment, b.PolicyID, b.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.PolicyBinding{}, err
	}
	return b, nil
}

// PolicyBindings implements store.Store.
func (s *Store) PolicyBindings(ctx context.Context, policyID string) ([]model.PolicyBinding, error) {
	var out []model.PolicyBinding
	err := s.read(ctx, func(tx querier) error {
		if _, err := getPolicy(ctx, tx, policyID); err != nil {
			return err
		}
		var err error
		out, err = queryBindings(ctx, tx, `SELECT policy_id, group_id, environment, created_at FROM policy_bindings
			WHERE policy_id = ? ORDER BY created_at, group_id, environment`, policyID)
		return err
	})
	return out, err
}

// UnbindPolicy implements store.Store.
func (s *Store) UnbindPolicy(ctx context.Context, policyID, groupID string, env model.Environment) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getPolicy(ctx, tx, policyID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM policy_bindings WHERE policy_id = ? AND group_id = ? AND environment = ?`,
			policyID, groupID, env)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return notFound("binding " + groupID + "/" + string(env))
		}
		return nil
	})
}

// LoadPolicies implements store.Store.
func (s *Store) LoadPolicies(ctx context.Context) (model.Policies, error) {
	var out model.Policies
	err := s.read(ctx, func(tx querier) error {
		var err error
		if out.Policies, err = queryPolicies(ctx, tx, `SELECT `+policyColumns+` FROM policies ORDER BY created_at, id`); err != nil {
			return err
		}
		out.Bindings, err = queryBindings(ctx, tx, `SELECT policy_id, group_id, environment, created_at FROM policy_bindings
			ORDER BY created_at, group_id, environment`)
		return err
	})
	return out, err
}

func queryPolicies(ctx context.Context, q querier, query string, args ...any) ([]model.Policy, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Policy{}
	for rows.Next() {
		var p model.Policy
		if err := rows.Scan(&p.ID, &p.Owner, &p.Name, &p.Unit, &p.APILimit, &p.UserLimit, &p.KeyLimit,
			(*micros)(&p.CreatedAt), (*micros)(&p.UpdatedAt)); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func queryBindings(ctx context.Context, q querier, query string, args ...any) ([]model.PolicyBinding, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.PolicyBinding{}
	for rows.Next() {
		var b model.PolicyBinding
		if err := rows.Scan(&b.PolicyID, &b.GroupID, &b.Environment, (*micros)(&b.CreatedAt)); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

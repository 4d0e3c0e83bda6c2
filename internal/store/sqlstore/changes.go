package sqlstore

import (
	"context"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"

	"github.com/tollgate-gw/tollgate/internal/store"
)

// The change log is written by the triggers of migration 0012 (one file
// per engine): every change to a served table inserts (kind, id) in the
// same transaction, and the engine's write lock (SQLite's single writer
// connection, PostgreSQL's advisory lock) makes writers commit them in
// version order.
const (
	changeGroup     = "group"
	changePin       = "pin"
	changeBlacklist = "blacklist"
)

// Changes implements store.ChangeLog.
func (s *Store) Changes(ctx context.Context, since int64) (store.Changes, error) {
	var c store.Changes
	err := s.read(ctx, func(tx querier) error {
		var horizon int64
		if err := tx.QueryRowContext(ctx, `SELECT h.version, COALESCE((SELECT MAX(version) FROM changes), h.version)
			FROM change_horizon h WHERE h.id = 1`).Scan(&horizon, &c.Version); err != nil {
			return err
		}
		if since < horizon || since > c.Version {
			c.Full = true
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT kind, id FROM changes WHERE version > ?`, since)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind, id string
			if err := rows.Scan(&kind, &id); err != nil {
				return err
			}
			switch kind {
			case changeGroup:
				c.Groups = append(c.Groups, id)
			case changePin:
				c.Pins = append(c.Pins, id)
			case changeBlacklist:
				c.Blacklist = true
			default:
				// A kind this version does not know, from a newer one
				// sharing the database: it cannot apply it.
				c.Full = true
			}
		}
		return rows.Err()
	})
	if err != nil {
		return store.Changes{}, err
	}
	return c, nil
}

// LoadPart implements store.ChangeLog, in one read transaction.
func (s *Store) LoadPart(ctx context.Context, c store.Changes) (store.Part, error) {
	var p store.Part
	groups, pins := c.Groups, c.Pins
	at := now()
	err := s.read(ctx, func(tx querier) error {
		// Each query costs even when it selects nothing: ask only for
		// the kinds of unit that changed.
		if len(groups) > 0 {
			if err := s.loadGroupPart(ctx, tx, groups, &p); err != nil {
				return err
			}
		}
		if len(pins) > 0 {
			if err := s.loadPinPart(ctx, tx, pins, at, &p.Callers); err != nil {
				return err
			}
		}
		if c.Blacklist {
			var err error
			p.Callers.Blacklist, err = queryBlacklist(ctx, tx, `SELECT `+blacklistColumns+` FROM blacklist ORDER BY created_at, id`)
			return err
		}
		return nil
	})
	if err != nil {
		return store.Part{}, err
	}
	return p, nil
}

// loadGroupPart reads into p what LoadPart returns of groups.
func (s *Store) loadGroupPart(ctx context.Context, tx querier, groups []string, p *store.Part) error {
	var err error
	if p.Published, err = s.loadPublished(ctx, tx, groups); err != nil {
		return err
	}
	if p.Domains, err = s.loadDomains(ctx, tx, groups); err != nil {
		return err
	}
	where, args := whereIn("id", groups)
	if p.Groups, err = queryAll(ctx, tx, scanGroup, `SELECT `+groupColumns+` FROM groups `+where+` ORDER BY created_at, id`, args...); err != nil {
		return err
	}
	where, args = whereIn("group_id", groups)
	if p.Callers.Authorizations, err = queryAuthorizations(ctx, tx, `SELECT `+authorizationColumns+` FROM authorizations `+where+`
		ORDER BY created_at, id`, args...); err != nil {
		return err
	}
	if p.Callers.Market, err = loadMarket(ctx, tx, groups); err != nil {
		return err
	}
	if p.Policies.Bindings, err = queryBindings(ctx, tx, `SELECT policy_id, group_id, environment, created_at
		FROM policy_bindings `+where+` ORDER BY created_at, group_id, environment`, args...); err != nil {
		return err
	}
	ids := []string{}
	for _, b := range p.Policies.Bindings {
		ids = append(ids, b.PolicyID)
	}
	where, args = whereIn("id", ids)
	p.Policies.Policies, err = queryPolicies(ctx, tx, `SELECT `+policyColumns+` FROM policies `+where+` ORDER BY created_at, id`, args...)
	return err
}

// loadPinPart reads into cs what LoadPart returns of pins: their
// accounts, users, roles, and keys that can still sign at at.
func (s *Store) loadPinPart(ctx context.Context, tx querier, pins []string, at time.Time, cs *model.Callers) error {
	where, args := whereIn("pin", pins)
	var err error
	if cs.Accounts, err = queryAccounts(ctx, tx, `SELECT `+accountColumns+` FROM accounts `+where+` ORDER BY created_at, pin`, args...); err != nil {
		return err
	}
	if cs.Users, err = queryUsers(ctx, tx, `SELECT `+userColumns+` FROM users `+where+` ORDER BY created_at, name`, args...); err != nil {
		return err
	}
	for i := range cs.Users {
		cs.Users[i].PasswordHash = "" // the data plane has no use for it
	}
	if cs.Roles, err = queryRoles(ctx, tx, `SELECT `+roleColumns+` FROM roles `+where+` ORDER BY created_at, pin, name`, args...); err != nil {
		return err
	}
	cs.Keys, err = s.loadKeys(ctx, tx, at, pins)
	return err
}

var _ store.ChangeLog = (*Store)(nil)

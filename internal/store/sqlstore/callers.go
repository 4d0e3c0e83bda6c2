package sqlstore

import (
	"context"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// LoadCallers implements store.Store. Every list is read in one read
// transaction, so the data plane compiles a consistent whole even while
// writes go on.
func (s *Store) LoadCallers(ctx context.Context) (model.Callers, error) {
	var c model.Callers
	at := now()
	err := s.read(ctx, func(tx querier) error {
		var err error
		if c.Accounts, err = queryAccounts(ctx, tx, `SELECT `+accountColumns+` FROM accounts ORDER BY created_at, pin`); err != nil {
			return err
		}
		if c.Users, err = queryUsers(ctx, tx, `SELECT `+userColumns+` FROM users ORDER BY created_at, name`); err != nil {
			return err
		}
		for i := range c.Users {
			c.Users[i].PasswordHash = "" // the data plane has no use for it
		}
		if c.Roles, err = queryRoles(ctx, tx, `SELECT `+roleColumns+` FROM roles ORDER BY created_at, pin, name`); err != nil {
			return err
		}
		if c.Keys, err = s.loadKeys(ctx, tx, at, nil); err != nil {
			return err
		}
		if c.Authorizations, err = queryAuthorizations(ctx, tx, `SELECT `+authorizationColumns+` FROM authorizations
			ORDER BY created_at, id`); err != nil {
			return err
		}
		if c.Blacklist, err = queryBlacklist(ctx, tx, `SELECT `+blacklistColumns+` FROM blacklist ORDER BY created_at, id`); err != nil {
			return err
		}
		c.Market, err = loadMarket(ctx, tx, nil)
		return err
	})
	if err != nil {
		return model.Callers{}, err
	}
	return c, nil
}

// loadKeys returns every key of pins (nil: of every account) that can
// still sign at at, with its secrets opened; a previous secret only while
// its grace lasts.
func (s *Store) loadKeys(ctx context.Context, tx querier, at time.Time, pins []string) ([]model.Key, error) {
	where, args := whereIn("pin", pins)
	if where == "" {
		where = "WHERE TRUE"
	}
	// Sized first: growing a slice of 100,000 keys by appending costs
	// more than the count.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM keys `+where, args...).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+keyColumns+`, secret,
			CASE WHEN previous_expires > ? THEN previous_secret END
		FROM keys `+where+` AND (expires = 0 OR expires > ?) ORDER BY created_at, access_key`,
		append(append([]any{at.UnixMicro()}, args...), at.UnixMicro())...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := make([]model.Key, 0, n)
	for rows.Next() {
		var k model.Key
		var sealed, previous []byte
		if err := rows.Scan(append(keyDest(&k), &sealed, &previous)...); err != nil {
			return nil, err
		}
		if err := s.openKey(&k, sealed, previous); err != nil {
			return nil, err
		}
		if previous == nil {
			k.PreviousExpires = time.Time{}
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

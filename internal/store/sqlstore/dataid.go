package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DataID returns the id of the data directory the database belongs to, ""
// when it has none yet (a new database, or one written before ids).
func (s *Store) DataID(ctx context.Context) (string, error) {
	var id string
	err := s.reader.QueryRowContext(ctx, `SELECT data_id FROM data_dir WHERE id = 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// StampDataID records id as the data directory's id. A database that has
// another id is refused: it belongs to another data directory.
func (s *Store) StampDataID(ctx context.Context, id string) error {
	return s.write(ctx, func(tx querier) error {
		var have string
		err := tx.QueryRowContext(ctx, `SELECT data_id FROM data_dir WHERE id = 1`).Scan(&have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO data_dir (id, data_id) VALUES (1, ?)`, id)
			return err
		case err != nil:
			return err
		case have != id:
			return fmt.Errorf("the database belongs to data directory %s, not %s", have, id)
		}
		return nil
	})
}

// Money counts what the counters must hold the other half of: the
// subscriptions that were paid for and the recharges.
func (s *Store) Money(ctx context.Context) (paidSubscriptions, recharges int, err error) {
	err = s.reader.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM subscriptions WHERE paid > 0),
		(SELECT COUNT(*) FROM recharges)`).Scan(&paidSubscriptions, &recharges)
	return
}

// ClaimDataID records id as the data directory's id unless the database
// has one, and returns the one it has after: id, or the one another
// process recorded first. Nodes that share a store and start together
// agree on its id this way.
func (s *Store) ClaimDataID(ctx context.Context, id string) (string, error) {
	var have string
	err := s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO data_dir (id, data_id) VALUES (1, ?) ON CONFLICT DO NOTHING`, id); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT data_id FROM data_dir WHERE id = 1`).Scan(&have)
	})
	return have, err
}

package sqlstore

import (
	"context"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const blacklistColumns = `id, kind, value, reason, created_at`

// CreateBlacklistEntry implements store.Store.
func (s *Store) CreateBlacklistEntry(ctx context.Context, e model.BlacklistEntry) (model.BlacklistEntry, error) {
	if err := e.Normalize(); err != nil {
		return model.BlacklistEntry{}, err
	}
	e.ID = store.NewID(store.BlacklistIDPrefix)
	e.CreatedAt = now()
	err := s.write(ctx, func(tx querier) error {
		dup, err := exists(ctx, tx, `SELECT 1 FROM blacklist WHERE kind = ? AND value = ?`, e.Kind, e.Value)
		if err != nil {
			return err
		}
		if dup {
			return &errcode.Error{Cond: errcode.RecordConflict, Subject: "value", Detail: strconv.Quote(e.Value) + " is already on the blacklist"}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO blacklist (`+blacklistColumns+`) VALUES (?, ?, ?, ?, ?)`,
			e.ID, e.Kind, e.Value, e.Reason, e.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.BlacklistEntry{}, err
	}
	return e, nil
}

// ListBlacklist implements store.Store.
func (s *Store) ListBlacklist(ctx context.Context, p store.Page) ([]model.BlacklistEntry, int, error) {
	var out []model.BlacklistEntry
	var total int
	err := s.read(ctx, func(tx querier) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM blacklist`).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryBlacklist(ctx, tx, `SELECT `+blacklistColumns+` FROM blacklist ORDER BY created_at, id LIMIT ? OFFSET ?`,
			p.Size, p.Offset())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteBlacklistEntry implements store.Store.
func (s *Store) DeleteBlacklistEntry(ctx context.Context, id string) error {
	return s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM blacklist WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return notFound("blacklist entry " + id)
		}
		return nil
	})
}

func queryBlacklist(ctx context.Context, q querier, query string, args ...any) ([]model.BlacklistEntry, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.BlacklistEntry{}
	for rows.Next() {
		var e model.BlacklistEntry
		if err := rows.Scan(&e.ID, &e.Kind, &e.Value, &e.Reason, (*micros)(&e.CreatedAt)); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

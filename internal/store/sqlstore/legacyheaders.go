package sqlstore

import (
	"context"
	"database/sql"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// SealLegacyHeaders seals the clear headers of the backends saved before
// their headers were sealed (migration 0005), in one transaction on conn,
// and returns how many it sealed. The engine runs it once when the store
// opens, on a connection set to overwrite what it deletes.
func (s *Store) SealLegacyHeaders(ctx context.Context, conn *sql.Conn) (int, error) {
	type legacy struct {
		group   string
		env     model.Environment
		headers string
	}
	var rows []legacy
	q := s.engine.bind(conn)
	r, err := q.QueryContext(ctx, `SELECT group_id, environment, headers FROM backends WHERE sealed_headers IS NULL`)
	if err != nil {
		return 0, err
	}
	for r.Next() {
		var l legacy
		if err := r.Scan(&l.group, &l.env, &l.headers); err != nil {
			r.Close()
			return 0, err
		}
		rows = append(rows, l)
	}
	r.Close()
	if err := r.Err(); err != nil || len(rows) == 0 {
		return 0, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, l := range rows {
		h, err := s.openHeaders(l.group, l.env, nil, l.headers)
		if err != nil {
			return 0, err
		}
		sealed, err := s.sealHeaders(l.group, l.env, h)
		if err != nil {
			return 0, err
		}
		if _, err := s.engine.bind(tx).ExecContext(ctx, `UPDATE backends SET headers = '{}', sealed_headers = ? WHERE group_id = ? AND environment = ?`,
			sealed, l.group, l.env); err != nil {
			return 0, err
		}
	}
	return len(rows), tx.Commit()
}

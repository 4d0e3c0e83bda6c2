package sqlite

import (
	"context"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// sealLegacyHeaders seals the clear headers of backends saved before
// their headers were sealed (migration 0005), once, when the store opens.
// It overwrites the clear text in the file (secure_delete) and empties the
// write-ahead log, so that the values do not linger in free pages or old
// frames.
func sealLegacyHeaders(ctx context.Context, s *Store) error {
	type legacy struct {
		group   string
		env     model.Environment
		headers string
	}
	var rows []legacy
	r, err := s.writer.QueryContext(ctx, `SELECT group_id, environment, headers FROM backends WHERE sealed_headers IS NULL`)
	if err != nil {
		return err
	}
	for r.Next() {
		var l legacy
		if err := r.Scan(&l.group, &l.env, &l.headers); err != nil {
			r.Close()
			return err
		}
		rows = append(rows, l)
	}
	r.Close()
	if err := r.Err(); err != nil || len(rows) == 0 {
		return err
	}
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `PRAGMA secure_delete = OFF`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, l := range rows {
		h, err := s.openHeaders(l.group, l.env, nil, l.headers)
		if err != nil {
			return err
		}
		sealed, err := s.sealHeaders(l.group, l.env, h)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE backends SET headers = '{}', sealed_headers = ? WHERE group_id = ? AND environment = ?`,
			sealed, l.group, l.env); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	var busy, frames, done int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return err
	}
	if busy != 0 {
		return fmt.Errorf("sealing backend headers: the write-ahead log could not be emptied")
	}
	return nil
}

package sqlite

import (
	"context"
	"fmt"
)

// sealLegacyHeaders seals the clear headers of backends saved before
// their headers were sealed (migration 0005), once, when the store opens.
// It overwrites the clear text in the file (secure_delete) and empties the
// write-ahead log, so that the values do not linger in free pages or old
// frames.
func sealLegacyHeaders(ctx context.Context, s *Store) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `PRAGMA secure_delete = OFF`)
	n, err := s.SealLegacyHeaders(ctx, conn)
	if err != nil || n == 0 {
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

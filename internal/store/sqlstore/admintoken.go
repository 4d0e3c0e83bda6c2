package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// AdminTokenHash returns the SHA-256 of the admin token kept in the
// store, or nil when there is none.
func (s *Store) AdminTokenHash(ctx context.Context) ([]byte, error) {
	return adminTokenHash(ctx, s.reader)
}

// SetAdminTokenHash keeps hash as the SHA-256 of the admin token unless
// the store has one already, and returns the one it has after: hash, or
// the one another node stored first.
func (s *Store) SetAdminTokenHash(ctx context.Context, hash []byte) ([]byte, error) {
	if len(hash) != sha256.Size {
		return nil, fmt.Errorf("admin token hash: %d bytes, want %d", len(hash), sha256.Size)
	}
	var stored []byte
	err := s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO admin_token (id, sha256, created_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING`,
			hex.EncodeToString(hash), now().UnixMicro()); err != nil {
			return err
		}
		var err error
		stored, err = adminTokenHash(ctx, tx)
		return err
	})
	return stored, err
}

func adminTokenHash(ctx context.Context, q querier) ([]byte, error) {
	var h string
	err := q.QueryRowContext(ctx, `SELECT sha256 FROM admin_token WHERE id = 1`).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, failed(err)
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("the admin token hash in the store is not a SHA-256 in hex")
	}
	return b, nil
}

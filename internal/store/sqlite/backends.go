package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/model"
)

const backendColumns = `group_id, environment, type, urls, timeout_ms, headers, status, body, updated_at`

// PutBackend implements store.Store.
func (s *Store) PutBackend(ctx context.Context, b model.Backend) (model.Backend, error) {
	if err := b.Validate(); err != nil {
		return model.Backend{}, err
	}
	b.UpdatedAt = now()
	urls, err := json.Marshal(nonNil(b.URLs))
	if err != nil {
		return model.Backend{}, failed(err)
	}
	headers, err := json.Marshal(b.Headers)
	if err != nil {
		return model.Backend{}, failed(err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := getGroup(ctx, tx, b.GroupID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO backends (`+backendColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (group_id, environment) DO UPDATE SET type = excluded.type, urls = excluded.urls,
			timeout_ms = excluded.timeout_ms, headers = excluded.headers, status = excluded.status,
			body = excluded.body, updated_at = excluded.updated_at`,
			b.GroupID, b.Environment, b.Type, string(urls), b.TimeoutMs, string(headers), b.Status, b.Body, b.UpdatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Backend{}, err
	}
	return b, nil
}

// Backend implements store.Store.
func (s *Store) Backend(ctx context.Context, groupID string, env model.Environment) (model.Backend, error) {
	var b model.Backend
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = getBackend(ctx, tx, groupID, env)
		return err
	})
	return b, err
}

// DeleteBackend implements store.Store.
func (s *Store) DeleteBackend(ctx context.Context, groupID string, env model.Environment) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := getBackend(ctx, tx, groupID, env); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM backends WHERE group_id = ? AND environment = ?`, groupID, env)
		return err
	})
}

func getBackend(ctx context.Context, q querier, groupID string, env model.Environment) (model.Backend, error) {
	b, err := scanBackend(q.QueryRowContext(ctx, `SELECT `+backendColumns+` FROM backends WHERE group_id = ? AND environment = ?`, groupID, env))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := getGroup(ctx, q, groupID); err != nil {
			return model.Backend{}, err
		}
		return model.Backend{}, notFound(fmt.Sprintf("backend %s of group %s", env, groupID))
	}
	return b, err
}

func scanBackend(r scanner) (model.Backend, error) {
	var b model.Backend
	var urls, headers string
	var updated int64
	if err := r.Scan(&b.GroupID, &b.Environment, &b.Type, &urls, &b.TimeoutMs, &headers, &b.Status, &b.Body, &updated); err != nil {
		return b, err
	}
	b.UpdatedAt = fromMicros(updated)
	if err := json.Unmarshal([]byte(urls), &b.URLs); err != nil {
		return b, err
	}
	if len(b.URLs) == 0 {
		b.URLs = nil
	}
	return b, json.Unmarshal([]byte(headers), &b.Headers)
}

// nonNil returns s, or an empty slice for nil, so that it encodes as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

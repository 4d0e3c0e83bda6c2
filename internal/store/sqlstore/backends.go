package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/model"
)

const backendColumns = `group_id, environment, type, urls, timeout_ms, headers, status, body, updated_at, saved_by, sealed_headers`

// backendHeadersAD is the additional data that binds a backend's sealed
// headers to its group and environment, so that they open nowhere else.
func backendHeadersAD(groupID string, env model.Environment) string {
	return "backend/" + groupID + "/" + string(env) + "/headers"
}

// sealHeaders seals the JSON of a backend's headers. Every value is
// sealed, whatever its name: a store cannot tell a credential from
// another header (X-Api-Key, X-Token, a custom name), and the names alone
// are worth little without their values.
func (s *Store) sealHeaders(groupID string, env model.Environment, h map[string]string) ([]byte, error) {
	if h == nil {
		h = map[string]string{}
	}
	plain, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return s.sealer.Seal(plain, backendHeadersAD(groupID, env)), nil
}

// openHeaders opens what sealHeaders sealed; with nothing sealed, it reads
// the clear headers of a row not yet upgraded (sealLegacyHeaders).
func (s *Store) openHeaders(groupID string, env model.Environment, sealed []byte, clear string) (map[string]string, error) {
	var h map[string]string
	plain := []byte(clear)
	if sealed != nil {
		var err error
		if plain, err = s.sealer.Open(sealed, backendHeadersAD(groupID, env)); err != nil {
			return nil, fmt.Errorf("backend %s of group %s: headers: %w", env, groupID, err)
		}
	}
	if err := json.Unmarshal(plain, &h); err != nil {
		return nil, fmt.Errorf("backend %s of group %s: headers: %w", env, groupID, err)
	}
	if len(h) == 0 {
		h = nil
	}
	return h, nil
}

// PutBackend implements store.Store.
func (s *Store) PutBackend(ctx context.Context, b model.Backend) (model.Backend, error) {
	if err := b.Validate(); err != nil {
		return model.Backend{}, err
	}
	b.UpdatedAt = now()
	urls, err := json.Marshal(nonNil(b.URLs))
	if err != nil {
		return model.Backend{}, s.failed(err)
	}
	if b.SavedBy == "" {
		b.SavedBy = model.SavedByOperator
	}
	sealed, err := s.sealHeaders(b.GroupID, b.Environment, b.Headers)
	if err != nil {
		return model.Backend{}, s.failed(err)
	}
	err = s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, b.GroupID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO backends (`+backendColumns+`) VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)
			ON CONFLICT (group_id, environment) DO UPDATE SET type = excluded.type, urls = excluded.urls,
			timeout_ms = excluded.timeout_ms, headers = excluded.headers, status = excluded.status,
			body = excluded.body, updated_at = excluded.updated_at, saved_by = excluded.saved_by,
			sealed_headers = excluded.sealed_headers`,
			b.GroupID, b.Environment, b.Type, string(urls), b.TimeoutMs, b.Status, b.Body, b.UpdatedAt.UnixMicro(),
			b.SavedBy, sealed)
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
	err := s.read(ctx, func(tx querier) error {
		var err error
		b, err = s.getBackend(ctx, tx, groupID, env)
		return err
	})
	return b, err
}

// DeleteBackend implements store.Store.
func (s *Store) DeleteBackend(ctx context.Context, groupID string, env model.Environment) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := s.getBackend(ctx, tx, groupID, env); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM backends WHERE group_id = ? AND environment = ?`, groupID, env)
		return err
	})
}

func (s *Store) getBackend(ctx context.Context, q querier, groupID string, env model.Environment) (model.Backend, error) {
	b, err := s.scanBackend(q.QueryRowContext(ctx, `SELECT `+backendColumns+` FROM backends WHERE group_id = ? AND environment = ?`, groupID, env))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := getGroup(ctx, q, groupID); err != nil {
			return model.Backend{}, err
		}
		return model.Backend{}, notFound(fmt.Sprintf("backend %s of group %s", env, groupID))
	}
	return b, err
}

func (s *Store) scanBackend(r scanner) (model.Backend, error) {
	var b model.Backend
	var urls, headers string
	var sealed []byte
	var updated int64
	if err := r.Scan(&b.GroupID, &b.Environment, &b.Type, &urls, &b.TimeoutMs, &headers, &b.Status, &b.Body, &updated,
		&b.SavedBy, &sealed); err != nil {
		return b, err
	}
	b.UpdatedAt = fromMicros(updated)
	err := json.Unmarshal([]byte(urls), &b.URLs)
	if err != nil {
		return b, err
	}
	if len(b.URLs) == 0 {
		b.URLs = nil
	}
	b.Headers, err = s.openHeaders(b.GroupID, b.Environment, sealed, headers)
	return b, err
}

// nonNil returns s, or an empty slice for nil, so that it encodes as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

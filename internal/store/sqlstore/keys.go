package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// keyColumns are the columns of a key without its secrets.
const keyColumns = `access_key, pin, COALESCE(user_name, ''), kind, enabled, previous_expires, expires, created_at, rotated_at`

// keyAD is the additional data that binds a sealed secret to its key and
// its field, so that it opens nowhere else.
func keyAD(accessKey, field string) string { return "key/" + accessKey + "/" + field }

// CreateKey implements store.Store.
func (s *Store) CreateKey(ctx context.Context, k model.Key) (model.Key, error) {
	if err := k.Validate(); err != nil {
		return model.Key{}, err
	}
	if k.AccessKey == "" {
		k.AccessKey = secret.NewAccessKey()
	} else if len(k.AccessKey) > model.MaxPinLen || !printable(k.AccessKey) {
		return model.Key{}, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "accessKey", Detail: "1 to 64 printable ASCII characters"}
	}
	if len(k.Secret) == 0 {
		k.Secret = secret.NewSecret()
	}
	k.Enabled = true
	k.PreviousSecret, k.PreviousExpires, k.RotatedAt = nil, time.Time{}, time.Time{}
	k.CreatedAt = now()
	sealed := s.sealer.Seal(k.Secret, keyAD(k.AccessKey, "secret"))
	err := s.write(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, k.Pin); err != nil {
			return err
		}
		if k.User != "" {
			if _, err := getUser(ctx, tx, k.Pin, k.User); err != nil {
				if errcode.Has(err, errcode.ResourceNotFound) {
					return errcode.New(errcode.RecordNotFound, "user "+k.User)
				}
				return err
			}
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM keys WHERE access_key = ?`, k.AccessKey)
		if err != nil {
			return err
		}
		if taken {
			return errcode.New(errcode.AccessKeyRepeat, "accessKey")
		}
		if k.Kind == model.KeySession {
			// Sessions do not count against the limit; logins would
			// otherwise use it up. Each login clears the user's dead ones.
			if _, err := tx.ExecContext(ctx, `DELETE FROM keys WHERE kind = ? AND pin = ? AND user_name = ? AND expires <= ?`,
				model.KeySession, k.Pin, k.User, k.CreatedAt.UnixMicro()); err != nil {
				return err
			}
		} else {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM keys WHERE pin = ? AND kind <> ?`, k.Pin, model.KeySession).Scan(&n); err != nil {
				return err
			}
			if n >= s.maxKeys {
				return errcode.Newf(errcode.KeyLimitReached, "account %s has %d keys, the most allowed; delete one first", k.Pin, n)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO keys (access_key, pin, user_name, kind, enabled, secret, expires, created_at)
			VALUES (?, ?, NULLIF(?, ''), ?, TRUE, ?, ?, ?)`,
			k.AccessKey, k.Pin, k.User, k.Kind, sealed, orZero(k.Expires), k.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Key{}, err
	}
	return k, nil
}

// Key implements store.Store.
func (s *Store) Key(ctx context.Context, accessKey string) (model.Key, error) {
	k, err := s.getKey(ctx, s.reader, accessKey, true)
	return k, s.failed(err)
}

// ListKeys implements store.Store.
func (s *Store) ListKeys(ctx context.Context, pin string, p store.Page) ([]model.Key, int, error) {
	keys := []model.Key{}
	var total int
	err := s.read(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, pin); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM keys WHERE pin = ?`, pin).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE pin = ? ORDER BY created_at, access_key LIMIT ? OFFSET ?`,
			pin, p.Size, p.Offset())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanKey(rows)
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return keys, total, nil
}

// UpdateKey implements store.Store.
func (s *Store) UpdateKey(ctx context.Context, accessKey string, update func(*model.Key) error) (model.Key, error) {
	var k model.Key
	err := s.write(ctx, func(tx querier) error {
		old, err := s.getKey(ctx, tx, accessKey, false)
		if err != nil {
			return err
		}
		k = old
		if err := update(&k); err != nil {
			return err
		}
		enabled := k.Enabled
		k = old
		k.Enabled = enabled
		_, err = tx.ExecContext(ctx, `UPDATE keys SET enabled = ? WHERE access_key = ?`, k.Enabled, accessKey)
		return err
	})
	if err != nil {
		return model.Key{}, err
	}
	return k, nil
}

// RotateKey implements store.Store.
func (s *Store) RotateKey(ctx context.Context, accessKey string, grace time.Duration) (model.Key, error) {
	var k model.Key
	err := s.write(ctx, func(tx querier) error {
		var err error
		if k, err = s.getKey(ctx, tx, accessKey, true); err != nil {
			return err
		}
		k.RotatedAt = now()
		var previous []byte
		if grace > 0 {
			k.PreviousSecret, k.PreviousExpires = k.Secret, k.RotatedAt.Add(grace).Truncate(time.Microsecond)
			previous = s.sealer.Seal(k.PreviousSecret, keyAD(accessKey, "previous"))
		} else {
			k.PreviousSecret, k.PreviousExpires = nil, time.Time{}
		}
		k.Secret = secret.NewSecret()
		_, err = tx.ExecContext(ctx, `UPDATE keys SET secret = ?, previous_secret = ?, previous_expires = ?, rotated_at = ?
			WHERE access_key = ?`,
			s.sealer.Seal(k.Secret, keyAD(accessKey, "secret")), previous, orZero(k.PreviousExpires), k.RotatedAt.UnixMicro(), accessKey)
		return err
	})
	if err != nil {
		return model.Key{}, err
	}
	return k, nil
}

// DeleteKey implements store.Store. The schema's cascades remove the
// key's authorizations.
func (s *Store) DeleteKey(ctx context.Context, accessKey string) error {
	return s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM keys WHERE access_key = ?`, accessKey)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return notFound("key " + accessKey)
		}
		return nil
	})
}

// getKey returns a key, with its secrets opened when withSecrets, or
// ResourceNotFound.
func (s *Store) getKey(ctx context.Context, q querier, accessKey string, withSecrets bool) (model.Key, error) {
	var k model.Key
	var sealed, previous []byte
	dest := append(keyDest(&k), &sealed, &previous)
	err := q.QueryRowContext(ctx, `SELECT `+keyColumns+`, secret, previous_secret FROM keys WHERE access_key = ?`, accessKey).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Key{}, notFound("key " + accessKey)
	}
	if err != nil || !withSecrets {
		return k, err
	}
	return k, s.openKey(&k, sealed, previous)
}

// openKey opens a key's sealed secrets into it.
func (s *Store) openKey(k *model.Key, sealed, previous []byte) error {
	var err error
	if k.Secret, err = s.sealer.Open(sealed, keyAD(k.AccessKey, "secret")); err != nil {
		return openError("the secret of key "+k.AccessKey, err)
	}
	if previous == nil {
		return nil
	}
	if k.PreviousSecret, err = s.sealer.Open(previous, keyAD(k.AccessKey, "previous")); err != nil {
		return openError("the previous secret of key "+k.AccessKey, err)
	}
	return nil
}

func scanKey(r scanner) (model.Key, error) {
	var k model.Key
	err := r.Scan(keyDest(&k)...)
	return k, err
}

// keyDest returns scan destinations for keyColumns into k.
func keyDest(k *model.Key) []any {
	return []any{&k.AccessKey, &k.Pin, &k.User, &k.Kind, &k.Enabled, (*micros)(&k.PreviousExpires),
		(*micros)(&k.Expires), (*micros)(&k.CreatedAt), (*micros)(&k.RotatedAt)}
}

// printable reports whether s is printable ASCII without spaces.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

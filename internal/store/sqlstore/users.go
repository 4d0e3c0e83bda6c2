package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const userColumns = `pin, name, email, role, status, password_hash, created_at, updated_at`

// CreateUser implements store.Store.
func (s *Store) CreateUser(ctx context.Context, u model.User) (model.User, error) {
	if err := u.Validate(); err != nil {
		return model.User{}, err
	}
	u.CreatedAt = now()
	u.UpdatedAt = u.CreatedAt
	err := s.write(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, u.Pin); err != nil {
			return err
		}
		if err := userUnique(ctx, tx, &u, true); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Pin, u.Name, u.Email, u.Role, u.Status, u.PasswordHash, u.CreatedAt.UnixMicro(), u.UpdatedAt.UnixMicro(), model.NameKey(u.Name))
		return err
	})
	if err != nil {
		return model.User{}, err
	}
	return u, nil
}

// User implements store.Store.
func (s *Store) User(ctx context.Context, pin, name string) (model.User, error) {
	u, err := getUser(ctx, s.reader, pin, name)
	return u, s.failed(err)
}

// ListUsers implements store.Store.
func (s *Store) ListUsers(ctx context.Context, pin string, p store.Page) ([]model.User, int, error) {
	var users []model.User
	var total int
	err := s.read(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, pin); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE pin = ?`, pin).Scan(&total); err != nil {
			return err
		}
		var err error
		users, err = queryUsers(ctx, tx, `SELECT `+userColumns+` FROM users WHERE pin = ? ORDER BY created_at, name LIMIT ? OFFSET ?`,
			pin, p.Size, p.Offset())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return users, total, nil
}

// UpdateUser implements store.Store.
func (s *Store) UpdateUser(ctx context.Context, pin, name string, update func(*model.User) error) (model.User, error) {
	var u model.User
	err := s.write(ctx, func(tx querier) error {
		old, err := getUser(ctx, tx, pin, name)
		if err != nil {
			return err
		}
		u = old
		if err := update(&u); err != nil {
			return err
		}
		u.Pin, u.Name, u.CreatedAt = old.Pin, old.Name, old.CreatedAt
		if err := u.Validate(); err != nil {
			return err
		}
		if err := userUnique(ctx, tx, &u, false); err != nil {
			return err
		}
		u.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE users SET email = ?, role = ?, status = ?, password_hash = ?, updated_at = ? WHERE pin = ? AND name = ?`,
			u.Email, u.Role, u.Status, u.PasswordHash, u.UpdatedAt.UnixMicro(), pin, name)
		return err
	})
	if err != nil {
		return model.User{}, err
	}
	return u, nil
}

// DeleteUser implements store.Store. The schema's cascades remove the
// user's keys and their authorizations.
func (s *Store) DeleteUser(ctx context.Context, pin, name string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getUser(ctx, tx, pin, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE pin = ? AND name = ?`, pin, name)
		return err
	})
}

// userUnique refuses a name (when creating) or an e-mail address another
// user of the same account has, and a role the account does not have.
// Names and addresses are unique per account only, so a refusal never
// tells a tenant what another tenant's users are called or use.
func userUnique(ctx context.Context, q querier, u *model.User, creating bool) error {
	if creating {
		taken, err := exists(ctx, q, `SELECT 1 FROM users WHERE pin = ? AND (name = ? OR name_key = ?)`, u.Pin, u.Name, model.NameKey(u.Name))
		if err != nil {
			return err
		}
		if taken {
			return &errcode.Error{Cond: errcode.UserNameTaken, Subject: "name",
				Detail: "another user of the account is named " + strconv.Quote(u.Name) + " (names are compared ignoring case)"}
		}
	}
	if u.Email != "" {
		taken, err := exists(ctx, q, `SELECT 1 FROM users WHERE pin = ? AND email = ? AND name <> ?`, u.Pin, u.Email, u.Name)
		if err != nil {
			return err
		}
		if taken {
			return &errcode.Error{Cond: errcode.UserEmailTaken, Subject: "email", Detail: "another user of the account has the address " + strconv.Quote(u.Email)}
		}
	}
	if u.Role != "" {
		ok, err := exists(ctx, q, `SELECT 1 FROM roles WHERE pin = ? AND name = ?`, u.Pin, u.Role)
		if err != nil {
			return err
		}
		if !ok {
			return &errcode.Error{Cond: errcode.RoleNotFound, Subject: "role", Detail: fmt.Sprintf("account %s has no role %q", u.Pin, u.Role)}
		}
	}
	return nil
}

// getUser returns a user of an account, or ResourceNotFound; a user of
// another account is not found either.
func getUser(ctx context.Context, q querier, pin, name string) (model.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ? AND pin = ?`, name, pin))
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, notFound("user " + name)
	}
	return u, err
}

func queryUsers(ctx context.Context, q querier, query string, args ...any) ([]model.User, error) {
	return queryAll(ctx, q, scanUser, query, args...)
}

func scanUser(r scanner) (model.User, error) {
	var u model.User
	err := r.Scan(&u.Pin, &u.Name, &u.Email, &u.Role, &u.Status, &u.PasswordHash, (*micros)(&u.CreatedAt), (*micros)(&u.UpdatedAt))
	return u, err
}

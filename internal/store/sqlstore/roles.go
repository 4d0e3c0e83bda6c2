package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const roleColumns = `pin, name, groups, apis, actions, created_at, updated_at`

// CreateRole implements store.Store.
func (s *Store) CreateRole(ctx context.Context, r model.Role) (model.Role, error) {
	r.ApplyDefaults()
	if err := r.Validate(); err != nil {
		return model.Role{}, err
	}
	r.CreatedAt = now()
	r.UpdatedAt = r.CreatedAt
	err := s.write(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, r.Pin); err != nil {
			return err
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM roles WHERE pin = ? AND name = ?`, r.Pin, r.Name)
		if err != nil {
			return err
		}
		if taken {
			return &errcode.Error{Cond: errcode.RecordConflict, Subject: "name", Detail: "the account has a role named " + strconv.Quote(r.Name)}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO roles (`+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.Pin, r.Name, stringList(r.Groups), stringList(r.APIs), stringList(r.Actions), r.CreatedAt.UnixMicro(), r.UpdatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Role{}, err
	}
	return r, nil
}

// Role implements store.Store.
func (s *Store) Role(ctx context.Context, pin, name string) (model.Role, error) {
	r, err := getRole(ctx, s.reader, pin, name)
	return r, s.failed(err)
}

// ListRoles implements store.Store.
func (s *Store) ListRoles(ctx context.Context, pin string, p store.Page) ([]model.Role, int, error) {
	var roles []model.Role
	var total int
	err := s.read(ctx, func(tx querier) error {
		if _, err := getAccount(ctx, tx, pin); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM roles WHERE pin = ?`, pin).Scan(&total); err != nil {
			return err
		}
		var err error
		roles, err = queryRoles(ctx, tx, `SELECT `+roleColumns+` FROM roles WHERE pin = ? ORDER BY created_at, name LIMIT ? OFFSET ?`,
			pin, p.Size, p.Offset())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return roles, total, nil
}

// UpdateRole implements store.Store.
func (s *Store) UpdateRole(ctx context.Context, pin, name string, update func(*model.Role) error) (model.Role, error) {
	var r model.Role
	err := s.write(ctx, func(tx querier) error {
		old, err := getRole(ctx, tx, pin, name)
		if err != nil {
			return err
		}
		r = old
		if err := update(&r); err != nil {
			return err
		}
		r.Pin, r.Name, r.CreatedAt = old.Pin, old.Name, old.CreatedAt
		r.ApplyDefaults()
		if err := r.Validate(); err != nil {
			return err
		}
		r.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE roles SET groups = ?, apis = ?, actions = ?, updated_at = ? WHERE pin = ? AND name = ?`,
			stringList(r.Groups), stringList(r.APIs), stringList(r.Actions), r.UpdatedAt.UnixMicro(), pin, name)
		return err
	})
	if err != nil {
		return model.Role{}, err
	}
	return r, nil
}

// DeleteRole implements store.Store.
func (s *Store) DeleteRole(ctx context.Context, pin, name string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getRole(ctx, tx, pin, name); err != nil {
			return err
		}
		var holder string
		err := tx.QueryRowContext(ctx, `SELECT name FROM users WHERE pin = ? AND role = ? ORDER BY created_at LIMIT 1`, pin, name).Scan(&holder)
		if err == nil {
			return errcode.Newf(errcode.DeleteWhileBound, "user %s has the role %s; give the user another role first", holder, name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM roles WHERE pin = ? AND name = ?`, pin, name)
		return err
	})
}

// getRole returns a role of an account, or ResourceNotFound.
func getRole(ctx context.Context, q querier, pin, name string) (model.Role, error) {
	r, err := scanRole(q.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE pin = ? AND name = ?`, pin, name))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Role{}, notFound("role " + name)
	}
	return r, err
}

func queryRoles(ctx context.Context, q querier, query string, args ...any) ([]model.Role, error) {
	return queryAll(ctx, q, scanRole, query, args...)
}

func scanRole(sc scanner) (model.Role, error) {
	var r model.Role
	err := sc.Scan(&r.Pin, &r.Name, (*stringList)(&r.Groups), (*stringList)(&r.APIs), (*stringList)(&r.Actions),
		(*micros)(&r.CreatedAt), (*micros)(&r.UpdatedAt))
	r.ApplyDefaults()
	return r, err
}

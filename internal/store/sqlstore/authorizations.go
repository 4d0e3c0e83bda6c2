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

const authorizationColumns = `id, group_id, environment, COALESCE(access_key, ''), COALESCE(pin, ''), apis, daily_limit, total_calls, created_at`

// CreateAuthorization implements store.Store.
func (s *Store) CreateAuthorization(ctx context.Context, a model.Authorization) (model.Authorization, error) {
	if err := a.Validate(); err != nil {
		return model.Authorization{}, err
	}
	if err := a.ValidateQuota(); err != nil {
		return model.Authorization{}, err
	}
	a.ID = store.NewID(store.AuthorizationIDPrefix)
	a.CreatedAt = now()
	err := s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, a.GroupID); err != nil {
			return err
		}
		if err := authorizationRefs(ctx, tx, &a); err != nil {
			return err
		}
		column, value := "access_key", a.AccessKey
		if a.Pin != "" {
			column, value = "pin", a.Pin
		}
		dup, err := exists(ctx, tx, `SELECT 1 FROM authorizations WHERE group_id = ? AND environment = ? AND `+column+` = ?`,
			a.GroupID, a.Environment, value)
		if err != nil {
			return err
		}
		if dup {
			return errcode.Newf(errcode.AccessKeyAuthRepeat, "%s is already authorized on %s of group %s", value, a.Environment, a.GroupID)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO authorizations (id, group_id, environment, access_key, pin, apis,
				daily_limit, total_calls, created_at)
			VALUES (?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?)`,
			a.ID, a.GroupID, a.Environment, a.AccessKey, a.Pin, stringList(a.APIs), a.DailyLimit, a.TotalCalls, a.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Authorization{}, err
	}
	return a, nil
}

// authorizationRefs checks what an authorization names: its key or
// account, and its APIs, which must be the group's.
func authorizationRefs(ctx context.Context, q querier, a *model.Authorization) error {
	if a.AccessKey != "" {
		ok, err := exists(ctx, q, `SELECT 1 FROM keys WHERE access_key = ?`, a.AccessKey)
		if err != nil {
			return err
		}
		if !ok {
			return errcode.New(errcode.KeyIDNotFound, a.AccessKey)
		}
	} else {
		ok, err := exists(ctx, q, `SELECT 1 FROM accounts WHERE pin = ?`, a.Pin)
		if err != nil {
			return err
		}
		if !ok {
			return &errcode.Error{Cond: errcode.PinInvalid, Subject: "pin", Detail: "no account has the pin " + strconv.Quote(a.Pin)}
		}
	}
	for _, id := range a.APIs {
		if id == "*" {
			continue
		}
		ok, err := exists(ctx, q, `SELECT 1 FROM apis WHERE group_id = ? AND id = ?`, a.GroupID, id)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		// An API of another group of the same owner is a mix-up of
		// parents; one of another owner's group reads as none, so that
		// no tenant learns the ids of another's APIs.
		var other string
		err = q.QueryRowContext(ctx, `SELECT a.group_id FROM apis a JOIN groups g ON g.id = a.group_id
			WHERE a.id = ? AND g.owner = (SELECT owner FROM groups WHERE id = ?)`, id, a.GroupID).Scan(&other)
		switch {
		case err == nil:
			return &errcode.Error{Cond: errcode.ParentMismatch, Subject: "apis",
				Detail: fmt.Sprintf("API %s is an API of group %s, not of group %s", id, other, a.GroupID)}
		case errors.Is(err, sql.ErrNoRows):
			return &errcode.Error{Cond: errcode.RecordNotFound, Subject: "api " + id, Detail: fmt.Sprintf("group %s has no API %s", a.GroupID, id)}
		default:
			return err
		}
	}
	return nil
}

// Authorization implements store.Store.
func (s *Store) Authorization(ctx context.Context, groupID, id string) (model.Authorization, error) {
	var a model.Authorization
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		var err error
		a, err = scanAuthorization(tx.QueryRowContext(ctx, `SELECT `+authorizationColumns+` FROM authorizations
			WHERE group_id = ? AND id = ?`, groupID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("authorization " + id)
		}
		return err
	})
	return a, err
}

// ListAuthorizations implements store.Store.
func (s *Store) ListAuthorizations(ctx context.Context, groupID string, p store.Page) ([]model.Authorization, int, error) {
	var out []model.Authorization
	var total int
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM authorizations WHERE group_id = ?`, groupID).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryAuthorizations(ctx, tx, `SELECT `+authorizationColumns+` FROM authorizations WHERE group_id = ?
			ORDER BY created_at, id LIMIT ? OFFSET ?`, groupID, p.Size, p.Offset())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteAuthorization implements store.Store.
func (s *Store) DeleteAuthorization(ctx context.Context, groupID, id string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM authorizations WHERE group_id = ? AND id = ?`, groupID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return notFound("authorization " + id)
		}
		return nil
	})
}

func queryAuthorizations(ctx context.Context, q querier, query string, args ...any) ([]model.Authorization, error) {
	return queryAll(ctx, q, scanAuthorization, query, args...)
}

func scanAuthorization(r scanner) (model.Authorization, error) {
	var a model.Authorization
	err := r.Scan(&a.ID, &a.GroupID, &a.Environment, &a.AccessKey, &a.Pin, (*stringList)(&a.APIs),
		&a.DailyLimit, &a.TotalCalls, (*micros)(&a.CreatedAt))
	return a, err
}

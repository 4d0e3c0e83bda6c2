package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

const groupErrorColumns = `group_id, code, http, message, solution, created_at`

// CreateGroupError implements store.Store. The group's dialect is read in
// the write transaction, so that a dialect changed at the same time
// cannot let a code through that collides with the new dialect's.
func (s *Store) CreateGroupError(ctx context.Context, e model.GroupError) (model.GroupError, error) {
	e.CreatedAt = now()
	msg, err := json.Marshal(e.Message)
	if err != nil {
		return model.GroupError{}, err
	}
	sol, err := json.Marshal(e.Solution)
	if err != nil {
		return model.GroupError{}, err
	}
	err = s.write(ctx, func(tx querier) error {
		g, err := getGroup(ctx, tx, e.GroupID)
		if err != nil {
			return err
		}
		if err := e.Validate(defaultDialect(g.Dialect)); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_errors WHERE group_id = ?`, e.GroupID).Scan(&n); err != nil {
			return err
		}
		if n >= model.MaxGroupErrors {
			return errcode.Newf(errcode.ParamValueInvalid, "group %s has %d codes of its own, the most a group may have", e.GroupID, n)
		}
		dup, err := exists(ctx, tx, `SELECT 1 FROM group_errors WHERE group_id = ? AND code = ?`, e.GroupID, e.Code)
		if err != nil {
			return err
		}
		if dup {
			return &errcode.Error{Cond: errcode.RecordConflict, Subject: "code", Detail: "group " + e.GroupID + " already has the code " + e.Code}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO group_errors (`+groupErrorColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			e.GroupID, e.Code, e.HTTP, string(msg), string(sol), e.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.GroupError{}, err
	}
	return e, nil
}

// defaultDialect is the dialect a group without one answers in.
func defaultDialect(d errcode.Dialect) errcode.Dialect {
	if !d.Valid() {
		return errcode.DialectJDCloud
	}
	return d
}

// ListGroupErrors implements store.Store.
func (s *Store) ListGroupErrors(ctx context.Context, groupID string) ([]model.GroupError, error) {
	var out []model.GroupError
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		var err error
		out, err = queryGroupErrors(ctx, tx, `SELECT `+groupErrorColumns+` FROM group_errors WHERE group_id = ? ORDER BY created_at, code`, groupID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteGroupError implements store.Store.
func (s *Store) DeleteGroupError(ctx context.Context, groupID, code string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM group_errors WHERE group_id = ? AND code = ?`, groupID, code)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return notFound("error code " + code + " of group " + groupID)
		}
		return nil
	})
}

// loadGroupErrors returns the codes of the groups where selects (see
// whereIn), by group id, for LoadPublished and LoadPart.
func loadGroupErrors(ctx context.Context, q querier, where string, args ...any) (map[string][]model.GroupError, error) {
	list, err := queryGroupErrors(ctx, q, `SELECT `+groupErrorColumns+` FROM group_errors `+where+` ORDER BY group_id, created_at, code`, args...)
	if err != nil {
		return nil, err
	}
	m := map[string][]model.GroupError{}
	for _, e := range list {
		m[e.GroupID] = append(m[e.GroupID], e)
	}
	return m, nil
}

func queryGroupErrors(ctx context.Context, q querier, query string, args ...any) ([]model.GroupError, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.GroupError{}
	for rows.Next() {
		var e model.GroupError
		var msg, sol string
		if err := rows.Scan(&e.GroupID, &e.Code, &e.HTTP, &msg, &sol, (*micros)(&e.CreatedAt)); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(msg), &e.Message); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(sol), &e.Solution); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

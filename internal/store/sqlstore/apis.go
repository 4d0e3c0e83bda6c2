package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const apiColumns = `id, group_id, name, description, method, path, match_type, params, backend_path, backend_method, grpc, websocket, rules, created_at, updated_at`

// CreateAPI implements store.Store.
func (s *Store) CreateAPI(ctx context.Context, a model.API) (model.API, error) {
	if err := a.Validate(); err != nil {
		return model.API{}, err
	}
	if a.Params == nil {
		a.Params = []model.Param{}
	}
	a.ID = store.NewID(store.APIIDPrefix)
	a.CreatedAt = now()
	a.UpdatedAt = a.CreatedAt
	params, err := json.Marshal(a.Params)
	if err != nil {
		return model.API{}, s.failed(err)
	}
	rules, err := json.Marshal(a.APIRules)
	if err != nil {
		return model.API{}, s.failed(err)
	}
	err = s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, a.GroupID); err != nil {
			return err
		}
		if err := apiUnique(ctx, tx, a); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO apis (`+apiColumns+`, path_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.GroupID, a.Name, a.Description, a.Method, a.Path, a.MatchType, string(params), a.BackendPath, a.BackendMethod,
			a.GRPC, a.WebSocket, string(rules), a.CreatedAt.UnixMicro(), a.UpdatedAt.UnixMicro(), model.PathKey(a.Path))
		return err
	})
	if err != nil {
		return model.API{}, err
	}
	return a, nil
}

// API implements store.Store.
func (s *Store) API(ctx context.Context, groupID, apiID string) (model.API, error) {
	var a model.API
	err := s.read(ctx, func(tx querier) error {
		var err error
		a, err = getAPI(ctx, tx, groupID, apiID)
		return err
	})
	return a, err
}

// ListAPIs implements store.Store.
func (s *Store) ListAPIs(ctx context.Context, groupID string, p store.Page) ([]model.API, int, error) {
	var apis []model.API
	var total int
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apis WHERE group_id = ?`, groupID).Scan(&total); err != nil {
			return err
		}
		var err error
		apis, err = queryAPIs(ctx, tx, `SELECT `+apiColumns+` FROM apis WHERE group_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?`,
			groupID, p.Size, p.Offset())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return apis, total, nil
}

// UpdateAPI implements store.Store.
func (s *Store) UpdateAPI(ctx context.Context, groupID, apiID string, update func(*model.API) error) (model.API, error) {
	var a model.API
	err := s.write(ctx, func(tx querier) error {
		old, err := getAPI(ctx, tx, groupID, apiID)
		if err != nil {
			return err
		}
		a = old
		a.Params = slices.Clone(old.Params)
		if err := update(&a); err != nil {
			return err
		}
		if a.Params == nil {
			a.Params = []model.Param{}
		}
		a.ID, a.GroupID, a.CreatedAt = old.ID, old.GroupID, old.CreatedAt
		if err := a.Validate(); err != nil {
			return err
		}
		if err := apiUnique(ctx, tx, a); err != nil {
			return err
		}
		params, err := json.Marshal(a.Params)
		if err != nil {
			return err
		}
		rules, err := json.Marshal(a.APIRules)
		if err != nil {
			return err
		}
		a.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE apis SET name = ?, description = ?, method = ?, path = ?, path_key = ?, match_type = ?,
			params = ?, backend_path = ?, backend_method = ?, grpc = ?, websocket = ?, rules = ?, updated_at = ? WHERE id = ?`,
			a.Name, a.Description, a.Method, a.Path, model.PathKey(a.Path), a.MatchType,
			string(params), a.BackendPath, a.BackendMethod, a.GRPC, a.WebSocket, string(rules), a.UpdatedAt.UnixMicro(), a.ID)
		return err
	})
	if err != nil {
		return model.API{}, err
	}
	return a, nil
}

// DeleteAPI implements store.Store.
func (s *Store) DeleteAPI(ctx context.Context, groupID, apiID string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getAPI(ctx, tx, groupID, apiID); err != nil {
			return err
		}
		online, err := deployedOnline(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if online != "" {
			rev, err := getRevision(ctx, tx, groupID, online)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(rev.APIs, func(x model.API) bool { return x.ID == apiID }) {
				return errcode.Newf(errcode.DeleteAPIError, "API %s is served online by revision %s of group %s; deploy a revision without it or take the group offline first", apiID, online, groupID)
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM apis WHERE id = ?`, apiID)
		return err
	})
}

// apiUnique refuses a's name, or its method and path, when another API of
// its group has them.
func apiUnique(ctx context.Context, q querier, a model.API) error {
	taken, err := exists(ctx, q, `SELECT 1 FROM apis WHERE group_id = ? AND name = ? AND id <> ?`, a.GroupID, a.Name, a.ID)
	if err != nil {
		return err
	}
	if taken {
		return &errcode.Error{Cond: errcode.APINameRepeat, Subject: "name", Detail: "another API of the group is named " + a.Name}
	}
	taken, err = exists(ctx, q, `SELECT 1 FROM apis WHERE group_id = ? AND method = ? AND path_key = ? AND id <> ?`,
		a.GroupID, a.Method, model.PathKey(a.Path), a.ID)
	if err != nil {
		return err
	}
	if taken {
		return &errcode.Error{Cond: errcode.APIPathRepeat, Subject: "path", Detail: "another API of the group answers " + a.Method + " " + a.Path}
	}
	return nil
}

// getAPI returns an API of a group, or ResourceNotFound naming the group
// when it is the group that is unknown.
func getAPI(ctx context.Context, q querier, groupID, apiID string) (model.API, error) {
	apis, err := queryAPIs(ctx, q, `SELECT `+apiColumns+` FROM apis WHERE group_id = ? AND id = ?`, groupID, apiID)
	if err != nil {
		return model.API{}, err
	}
	if len(apis) == 1 {
		return apis[0], nil
	}
	if _, err := getGroup(ctx, q, groupID); err != nil {
		return model.API{}, err
	}
	return model.API{}, notFound("api " + apiID)
}

// queryAPIs returns the APIs a query selects with apiColumns.
func queryAPIs(ctx context.Context, q querier, query string, args ...any) ([]model.API, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	apis := []model.API{}
	for rows.Next() {
		var a model.API
		var params, rules []byte
		var created, updated int64
		if err := rows.Scan(&a.ID, &a.GroupID, &a.Name, &a.Description, &a.Method, &a.Path, &a.MatchType,
			&params, &a.BackendPath, &a.BackendMethod, &a.GRPC, &a.WebSocket, &rules, &created, &updated); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(params, &a.Params); err != nil {
			return nil, fmt.Errorf("api %s: params: %w", a.ID, err)
		}
		if err := json.Unmarshal(rules, &a.APIRules); err != nil {
			return nil, fmt.Errorf("api %s: rules: %w", a.ID, err)
		}
		a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
		apis = append(apis, a)
	}
	return apis, rows.Err()
}

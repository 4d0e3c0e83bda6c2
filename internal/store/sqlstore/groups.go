package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const groupColumns = `id, name, description, dialect, language, owner, auth_type, schemes,
	replay_window_seconds, sign_region, sign_service, allowed_pins, status, created_at, updated_at`

// groupArgs returns g's values in the order of groupColumns.
func groupArgs(g *model.Group) []any {
	return []any{g.ID, g.Name, g.Description, g.Dialect, g.Language, g.Owner, g.AuthType, stringList(g.Schemes),
		g.ReplayWindowSeconds, g.SignRegion, g.SignService, stringList(g.AllowedPins), g.Status,
		g.CreatedAt.UnixMicro(), g.UpdatedAt.UnixMicro()}
}

// CreateGroup implements store.Store.
func (s *Store) CreateGroup(ctx context.Context, g model.Group) (model.Group, error) {
	g.ApplyDefaults()
	if err := g.Validate(); err != nil {
		return model.Group{}, err
	}
	if g.ID == "" {
		g.ID = store.NewID(store.GroupIDPrefix)
	} else if err := model.ValidateGroupID(g.ID); err != nil {
		return model.Group{}, err
	}
	g.CreatedAt = now()
	g.UpdatedAt = g.CreatedAt
	err := s.write(ctx, func(tx querier) error {
		if err := ownerExists(ctx, tx, g.Owner); err != nil {
			return err
		}
		if err := groupNameFree(ctx, tx, g.Owner, g.Name, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO groups (`+groupColumns+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(groupArgs(&g), model.NameKey(g.Name))...)
		return err
	})
	if err != nil {
		return model.Group{}, err
	}
	return g, nil
}

// Group implements store.Store.
func (s *Store) Group(ctx context.Context, id string) (model.Group, error) {
	g, err := getGroup(ctx, s.reader, id)
	return g, s.failed(err)
}

// ListGroups implements store.Store.
func (s *Store) ListGroups(ctx context.Context, p store.Page) ([]model.Group, int, error) {
	return s.listGroups(ctx, `TRUE`, nil, p)
}

// ListOwnedGroups implements store.Store.
func (s *Store) ListOwnedGroups(ctx context.Context, owner string, only []string, p store.Page) ([]model.Group, int, error) {
	if only == nil {
		return s.listGroups(ctx, `owner = ?`, []any{owner}, p)
	}
	if len(only) == 0 {
		return []model.Group{}, 0, nil
	}
	args := []any{owner}
	for _, id := range only {
		args = append(args, id)
	}
	return s.listGroups(ctx, `owner = ? AND id IN (?`+strings.Repeat(`, ?`, len(only)-1)+`)`, args, p)
}

// listGroups returns one page of the groups that where, with args, selects.
func (s *Store) listGroups(ctx context.Context, where string, args []any, p store.Page) ([]model.Group, int, error) {
	groups := []model.Group{}
	var total int
	err := s.read(ctx, func(tx querier) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM groups WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE `+where+` ORDER BY created_at, id LIMIT ? OFFSET ?`,
			append(args, p.Size, p.Offset())...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanGroup(rows)
			if err != nil {
				return err
			}
			groups = append(groups, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return groups, total, nil
}

// UpdateGroup implements store.Store.
func (s *Store) UpdateGroup(ctx context.Context, id string, update func(*model.Group) error) (model.Group, error) {
	var g model.Group
	err := s.write(ctx, func(tx querier) error {
		old, err := getGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		g = old
		if err := update(&g); err != nil {
			return err
		}
		g.ID, g.CreatedAt = old.ID, old.CreatedAt
		g.ApplyDefaults()
		if err := g.Validate(); err != nil {
			return err
		}
		if g.Owner != old.Owner {
			if err := ownerExists(ctx, tx, g.Owner); err != nil {
				return err
			}
		}
		// A group given to another owner takes its name into that
		// owner's names, where it must be free too.
		if g.Name != old.Name || g.Owner != old.Owner {
			if err := groupNameFree(ctx, tx, g.Owner, g.Name, id); err != nil {
				return err
			}
		}
		if err := liveChange(ctx, tx, &old, &g); err != nil {
			return err
		}
		g.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = ?, name_key = ?, description = ?, dialect = ?, language = ?, owner = ?,
			auth_type = ?, schemes = ?, replay_window_seconds = ?, sign_region = ?, sign_service = ?, allowed_pins = ?,
			status = ?, updated_at = ? WHERE id = ?`,
			g.Name, model.NameKey(g.Name), g.Description, g.Dialect, g.Language, g.Owner, g.AuthType, stringList(g.Schemes),
			g.ReplayWindowSeconds, g.SignRegion, g.SignService, stringList(g.AllowedPins), g.Status, g.UpdatedAt.UnixMicro(), id)
		return err
	})
	if err != nil {
		return model.Group{}, err
	}
	return g, nil
}

// DeleteGroup implements store.Store. The schema's cascades remove the
// group's APIs, backends, revisions, deployments, policy bindings and
// plans; the subscriptions to the group that had not ended end now, and
// stay as the record of what was bought.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, id); err != nil {
			return err
		}
		online, err := deployedOnline(ctx, tx, id)
		if err != nil {
			return err
		}
		if online != "" {
			return errcode.Newf(errcode.DeleteAPIError, "group %s serves revision %s online; take it offline first", id, online)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET ended_at = ? WHERE group_id = ? AND ended_at IS NULL`,
			now().UnixMicro(), id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, id)
		return err
	})
}

// liveChange refuses, while the group is deployed online, the changes its
// live clients would break on: the dialect (they parse its error bodies)
// and the auth type or schemes (they sign their requests by them).
func liveChange(ctx context.Context, q querier, old, g *model.Group) error {
	var what string
	switch {
	case g.Dialect != old.Dialect:
		what = "dialect"
	case g.AuthType != old.AuthType:
		what = "authType"
	case !slices.Equal(g.Schemes, old.Schemes):
		what = "schemes"
	default:
		return nil
	}
	online, err := deployedOnline(ctx, q, g.ID)
	if err != nil {
		return err
	}
	if online != "" {
		return errcode.Newf(errcode.ModifyError, "the %s of group %s cannot change while revision %s is deployed online; take it offline first", what, g.ID, online)
	}
	return nil
}

// ownerExists refuses an owner that is no account; "" (the operator's
// groups) is fine.
func ownerExists(ctx context.Context, q querier, pin string) error {
	if pin == "" {
		return nil
	}
	ok, err := exists(ctx, q, `SELECT 1 FROM accounts WHERE pin = ?`, pin)
	if err != nil {
		return err
	}
	if !ok {
		return &errcode.Error{Cond: errcode.PinInvalid, Subject: "owner", Detail: "no account has the pin " + strconv.Quote(pin)}
	}
	return nil
}

// groupNameFree refuses a name that a group of the same owner other than
// self has, compared as model.NameKey: names are unique per tenant, so a
// tenant never learns from a refusal what another tenant named a group.
func groupNameFree(ctx context.Context, q querier, owner, name, self string) error {
	taken, err := exists(ctx, q, `SELECT 1 FROM groups WHERE owner = ? AND name_key = ? AND id <> ?`, owner, model.NameKey(name), self)
	if err != nil {
		return err
	}
	if taken {
		return &errcode.Error{Cond: errcode.GroupNameRepeat, Subject: "name",
			Detail: "another group of the same owner is named " + strconv.Quote(name) + " (names are compared ignoring case and Unicode width)"}
	}
	return nil
}

// getGroup returns a group, or ResourceNotFound.
func getGroup(ctx context.Context, q querier, id string) (model.Group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Group{}, notFound("group " + id)
	}
	return g, err
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

func scanGroup(r scanner) (model.Group, error) {
	var g model.Group
	err := r.Scan(groupDest(&g)...)
	return g, err
}

// groupDest returns scan destinations for groupColumns into g. The times
// go through a converter, so scanning sets them.
func groupDest(g *model.Group) []any {
	return []any{&g.ID, &g.Name, &g.Description, &g.Dialect, &g.Language, &g.Owner, &g.AuthType,
		(*stringList)(&g.Schemes), &g.ReplayWindowSeconds, &g.SignRegion, &g.SignService,
		(*stringList)(&g.AllowedPins), &g.Status, (*micros)(&g.CreatedAt), (*micros)(&g.UpdatedAt)}
}

// deployedOnline returns the revision a group serves online, or "".
func deployedOnline(ctx context.Context, q querier, groupID string) (string, error) {
	var rev string
	err := q.QueryRowContext(ctx, `SELECT revision FROM deployments WHERE group_id = ? AND environment = ?`,
		groupID, model.EnvOnline).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return rev, err
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const revisionColumns = `group_id, revision, description, apis, created_at`

// CreateRevision implements store.Store.
func (s *Store) CreateRevision(ctx context.Context, groupID, rev, description string) (model.Revision, error) {
	if err := model.ValidateRevision(rev); err != nil {
		return model.Revision{}, err
	}
	if err := model.ValidateDescription("description", description); err != nil {
		return model.Revision{}, err
	}
	r := model.Revision{GroupID: groupID, Revision: rev, Description: description, CreatedAt: now()}
	err := s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM revisions WHERE group_id = ? AND revision = ?`, groupID, rev)
		if err != nil {
			return err
		}
		if taken {
			return &errcode.Error{Cond: errcode.RevisionRepeat, Subject: "revision", Detail: "group " + groupID + " already has revision " + rev}
		}
		r.APIs, err = queryAPIs(ctx, tx, `SELECT `+apiColumns+` FROM apis WHERE group_id = ? ORDER BY created_at, id`, groupID)
		if err != nil {
			return err
		}
		if len(r.APIs) == 0 {
			return errcode.Newf(errcode.NoneValidAPI, "group %s has no API to put in a revision", groupID)
		}
		apis, err := json.Marshal(r.APIs)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO revisions (`+revisionColumns+`) VALUES (?, ?, ?, ?, ?)`,
			groupID, rev, description, string(apis), r.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Revision{}, err
	}
	return r, nil
}

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context, groupID, rev string) (model.Revision, error) {
	var r model.Revision
	err := s.read(ctx, func(tx querier) error {
		var err error
		r, err = getRevision(ctx, tx, groupID, rev)
		return err
	})
	return r, err
}

// ListRevisions implements store.Store.
func (s *Store) ListRevisions(ctx context.Context, groupID string, p store.Page) ([]model.Revision, int, error) {
	revs := []model.Revision{}
	var total int
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM revisions WHERE group_id = ?`, groupID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+revisionColumns+` FROM revisions WHERE group_id = ? ORDER BY created_at, revision LIMIT ? OFFSET ?`,
			groupID, p.Size, p.Offset())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRevision(rows)
			if err != nil {
				return err
			}
			revs = append(revs, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return revs, total, nil
}

// getRevision returns a revision, or ResourceNotFound naming the group
// when it is the group that is unknown.
func getRevision(ctx context.Context, q querier, groupID, rev string) (model.Revision, error) {
	r, err := scanRevision(q.QueryRowContext(ctx, `SELECT `+revisionColumns+` FROM revisions WHERE group_id = ? AND revision = ?`, groupID, rev))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := getGroup(ctx, q, groupID); err != nil {
			return model.Revision{}, err
		}
		return model.Revision{}, notFound(fmt.Sprintf("revision %s of group %s", rev, groupID))
	}
	return r, err
}

func scanRevision(r scanner) (model.Revision, error) {
	var rev model.Revision
	var apis string
	var created int64
	if err := r.Scan(&rev.GroupID, &rev.Revision, &rev.Description, &apis, &created); err != nil {
		return rev, err
	}
	rev.CreatedAt = fromMicros(created)
	if err := json.Unmarshal([]byte(apis), &rev.APIs); err != nil {
		return rev, fmt.Errorf("revision %s of group %s: apis: %w", rev.Revision, rev.GroupID, err)
	}
	return rev, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// LoadPublished implements store.Store. It reads in one read transaction,
// so the data plane always compiles a consistent whole even while writes
// go on.
func (s *Store) LoadPublished(ctx context.Context) ([]model.Published, error) {
	var out []model.Published
	err := s.read(ctx, func(tx querier) error {
		var err error
		out, err = s.loadPublished(ctx, tx, nil)
		return err
	})
	return out, err
}

// loadPublished reads the deployed environments of the groups listed, or
// of every group when groups is nil.
func (s *Store) loadPublished(ctx context.Context, q querier, groups []string) ([]model.Published, error) {
	where, args := whereIn("d.group_id", groups)
	rows, err := q.QueryContext(ctx, `SELECT
			g.id, g.name, g.description, g.dialect, g.language, g.owner, g.auth_type, g.schemes,
			g.replay_window_seconds, g.sign_region, g.sign_service, g.allowed_pins, g.status, g.created_at, g.updated_at,
			d.environment, r.revision, r.description, r.apis, r.created_at,
			b.type, b.urls, b.timeout_ms, b.headers, b.status, b.body, b.updated_at, b.saved_by, b.sealed_headers
		FROM deployments d
		JOIN groups g ON g.id = d.group_id
		JOIN revisions r ON r.group_id = d.group_id AND r.revision = d.revision
		LEFT JOIN backends b ON b.group_id = d.group_id AND b.environment = d.environment
		`+where+`
		ORDER BY g.created_at, g.id, CASE d.environment WHEN 'test' THEN 0 WHEN 'preview' THEN 1 ELSE 2 END`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Published{}
	for rows.Next() {
		p, err := s.scanPublished(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	// The group's own error codes, in a second query of the same read.
	where, args = whereIn("group_id", groups)
	errs, err := loadGroupErrors(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Errors = errs[out[i].Group.ID]
	}
	return out, nil
}

func (s *Store) scanPublished(rows *sql.Rows) (model.Published, error) {
	var p model.Published
	var rCreated int64
	var apis string
	var sealed []byte
	var bType, bURLs, bHeaders, bBody, bSavedBy sql.NullString
	var bTimeout, bStatus, bUpdated sql.NullInt64
	g, r := &p.Group, &p.Revision
	dest := append(groupDest(g), &p.Environment, &r.Revision, &r.Description, &apis, &rCreated,
		&bType, &bURLs, &bTimeout, &bHeaders, &bStatus, &bBody, &bUpdated, &bSavedBy, &sealed)
	if err := rows.Scan(dest...); err != nil {
		return p, err
	}
	r.GroupID, r.CreatedAt = g.ID, fromMicros(rCreated)
	if err := json.Unmarshal([]byte(apis), &r.APIs); err != nil {
		return p, fmt.Errorf("revision %s of group %s: apis: %w", r.Revision, g.ID, err)
	}
	if !bType.Valid {
		return p, nil
	}
	b := &model.Backend{
		GroupID:     g.ID,
		Environment: p.Environment,
		Type:        bType.String,
		TimeoutMs:   int(bTimeout.Int64),
		Status:      int(bStatus.Int64),
		Body:        bBody.String,
		SavedBy:     bSavedBy.String,
		UpdatedAt:   fromMicros(bUpdated.Int64),
	}
	if err := json.Unmarshal([]byte(bURLs.String), &b.URLs); err != nil {
		return p, err
	}
	if len(b.URLs) == 0 {
		b.URLs = nil
	}
	var err error
	if b.Headers, err = s.openHeaders(g.ID, p.Environment, sealed, bHeaders.String); err != nil {
		return p, err
	}
	p.Backend = b
	return p, nil
}

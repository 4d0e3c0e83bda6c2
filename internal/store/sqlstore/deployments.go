package sqlstore

import (
	"context"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Deploy implements store.Store.
func (s *Store) Deploy(ctx context.Context, groupID, rev string, env model.Environment) (model.Deployment, error) {
	if err := model.ValidateRevision(rev); err != nil {
		return model.Deployment{}, err
	}
	if err := model.ValidateEnvironment("environment", env); err != nil {
		return model.Deployment{}, err
	}
	d := model.Deployment{GroupID: groupID, Environment: env, Revision: rev, DeployedAt: now()}
	err := s.write(ctx, func(tx querier) error {
		if _, err := getRevision(ctx, tx, groupID, rev); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO deployments (group_id, environment, revision, deployed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (group_id, environment) DO UPDATE SET revision = excluded.revision, deployed_at = excluded.deployed_at`,
			groupID, env, rev, d.DeployedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Deployment{}, err
	}
	return d, nil
}

// Deployments implements store.Store.
func (s *Store) Deployments(ctx context.Context, groupID string) ([]model.Deployment, error) {
	deps := []model.Deployment{}
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT group_id, environment, revision, deployed_at FROM deployments WHERE group_id = ?
			ORDER BY `+envOrder, groupID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d model.Deployment
			var at int64
			if err := rows.Scan(&d.GroupID, &d.Environment, &d.Revision, &at); err != nil {
				return err
			}
			d.DeployedAt = fromMicros(at)
			deps = append(deps, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return deps, nil
}

// Undeploy implements store.Store.
func (s *Store) Undeploy(ctx context.Context, groupID string, env model.Environment) error {
	if err := model.ValidateEnvironment("environment", env); err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE group_id = ? AND environment = ?`, groupID, env)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return notFound(fmt.Sprintf("deployment %s of group %s", env, groupID))
		}
		return nil
	})
}

// envOrder sorts deployments by environment in the order of
// model.Environments.
const envOrder = `CASE environment WHEN 'test' THEN 0 WHEN 'preview' THEN 1 ELSE 2 END`

package sqlstore

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// nameKeyTables are the tables whose names are unique per tenant under
// model.NameKey: the table, the column naming the tenant, and the column
// that, with it, identifies a row.
var nameKeyTables = []struct{ table, tenant, row string }{
	{"groups", "owner", "id"},
	{"users", "pin", "name"},
}

// fillNameKeys computes name_key where a migration left it NULL (SQLite
// cannot normalise Unicode). Rows are taken oldest first; a row whose key
// another row of its tenant already holds keeps NULL: a name taken twice
// under the new comparison before it applied stays as it was, rather
// than failing the start or renaming what a tenant chose. Such a row can
// still be renamed, which gives it a key.
func (s *Store) fillNameKeys(ctx context.Context) error {
	return s.write(ctx, func(tx querier) error {
		for _, t := range nameKeyTables {
			if err := fillNameKeysOf(ctx, tx, t.table, t.tenant, t.row); err != nil {
				return err
			}
		}
		return nil
	})
}

// fillNameKeysOf fills the name keys of one table of nameKeyTables.
func fillNameKeysOf(ctx context.Context, tx querier, table, tenant, row string) error {
	type todo struct{ tenant, id, name string }
	var rows []todo
	r, err := tx.QueryContext(ctx, `SELECT `+tenant+`, `+row+`, name FROM `+table+
		` WHERE name_key IS NULL ORDER BY created_at, `+row)
	if err != nil {
		return err
	}
	for r.Next() {
		var t todo
		if err := r.Scan(&t.tenant, &t.id, &t.name); err != nil {
			r.Close()
			return err
		}
		rows = append(rows, t)
	}
	r.Close()
	if err := r.Err(); err != nil {
		return err
	}
	for _, t := range rows {
		key := model.NameKey(t.name)
		taken, err := exists(ctx, tx, `SELECT 1 FROM `+table+` WHERE `+tenant+` = ? AND name_key = ?`, t.tenant, key)
		if err != nil {
			return err
		}
		if taken {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET name_key = ? WHERE `+tenant+` = ? AND `+row+` = ?`,
			key, t.tenant, t.id); err != nil {
			return err
		}
	}
	return nil
}

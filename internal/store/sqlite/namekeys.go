package sqlite

import (
	"context"
	"database/sql"

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
func fillNameKeys(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range nameKeyTables {
		type row struct{ tenant, id, name string }
		var todo []row
		rows, err := tx.QueryContext(ctx, `SELECT `+t.tenant+`, `+t.row+`, name FROM `+t.table+
			` WHERE name_key IS NULL ORDER BY created_at, `+t.row)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.tenant, &r.id, &r.name); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			key := model.NameKey(r.name)
			taken, err := exists(ctx, tx, `SELECT 1 FROM `+t.table+` WHERE `+t.tenant+` = ? AND name_key = ?`, r.tenant, key)
			if err != nil {
				return err
			}
			if taken {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET name_key = ? WHERE `+t.tenant+` = ? AND `+t.row+` = ?`,
				key, r.tenant, r.id); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

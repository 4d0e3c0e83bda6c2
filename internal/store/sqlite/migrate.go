package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
)

// foreignKeysOff is the first line of a migration that rebuilds a table
// other tables refer to. SQLite's way to do that (create the new table,
// copy, drop the old one, rename) needs foreign keys off: dropping a
// parent table with them on deletes its rows first, cascading into the
// children. Such a migration runs with them off on its connection, and
// PRAGMA foreign_key_check must find nothing before it commits.
const foreignKeysOff = "-- tollgate:foreign-keys-off"

// foreignKeysOffFor turns foreign keys off on conn for a migration that
// asks for it, outside its transaction (inside one it is a no-op).
func foreignKeysOffFor(ctx context.Context, conn *sql.Conn, m sqlstore.Migration) (func(), error) {
	if !strings.HasPrefix(m.SQL, foreignKeysOff) {
		return func() {}, nil
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return nil, err
	}
	return func() { conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`) }, nil
}

// checkForeignKeys fails a migration that ran with foreign keys off and
// left a row referring to one that does not exist.
func checkForeignKeys(ctx context.Context, tx *sql.Tx, m sqlstore.Migration) error {
	if !strings.HasPrefix(m.SQL, foreignKeysOff) {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %v) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

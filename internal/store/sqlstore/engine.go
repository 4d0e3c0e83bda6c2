package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Engine is what differs between the databases a Store runs on.
type Engine struct {
	// Name is the engine's name, "sqlite" or "postgres": it picks the
	// migrations (NNNN_name.<Name>.sql) and prefixes errors.
	Name string
	// Numbered is set when the database's placeholders are $1, $2...
	// (PostgreSQL): the ? of the store's queries are rewritten.
	Numbered bool
	// WriteLock, when not "", is run first in every write transaction
	// and migration. It lets one writer in at a time across every
	// process on the database, as SQLite's single writer connection does
	// within one, and must be released by the transaction's end. With
	// Outcome set, it returns one row: the transaction's id.
	WriteLock string
	// Unreachable, when not nil, tells a failure to reach the database (a
	// refused or broken connection) from any other: such a failure is
	// errcode.Unavailable (503, try again), not OperationFailed.
	Unreachable func(error) bool
	// Outcome, when not nil, tells what became of the write transaction
	// id (from WriteLock) whose commit failed with err, a failure
	// Unreachable accepts: the COMMIT may have reached the database and
	// committed with its answer lost. It asks the database through db;
	// known is false when it cannot tell.
	Outcome func(ctx context.Context, db *sql.DB, id int64, err error) (committed, known bool)
	// ReadOptions begin read transactions; nil is the driver's default.
	ReadOptions *sql.TxOptions
	// BeforeMigration, when not nil, runs on the migration's connection
	// before its transaction begins, and the function it returns after
	// the transaction has ended.
	BeforeMigration func(ctx context.Context, conn *sql.Conn, m Migration) (after func(), err error)
	// CheckMigration, when not nil, runs inside a migration's
	// transaction, after its SQL and before it commits; an error rolls
	// the migration back.
	CheckMigration func(ctx context.Context, tx *sql.Tx, m Migration) error
}

// bind returns q running the store's queries with the engine's
// placeholders.
func (e *Engine) bind(q querier) querier {
	if !e.Numbered {
		return q
	}
	return numbered{q: q}
}

// numbered is a querier whose queries' ? become $1, $2... Numbering
// costs a scan of the query, nothing beside a round trip to the database.
type numbered struct{ q querier }

func (n numbered) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return n.q.ExecContext(ctx, numberPlaceholders(query), args...)
}

func (n numbered) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return n.q.QueryContext(ctx, numberPlaceholders(query), args...)
}

func (n numbered) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return n.q.QueryRowContext(ctx, numberPlaceholders(query), args...)
}

// numberPlaceholders replaces each ? of query, outside quoted strings,
// identifiers and comments, with $1, $2... in order.
func numberPlaceholders(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+1])
			i += end
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

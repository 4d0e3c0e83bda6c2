// Package sqlite is the embedded store: one SQLite file in the data
// directory, through the pure Go driver modernc.org/sqlite. The store
// itself (its rules, queries and migrations) is package sqlstore's; this
// package opens the file and says what SQLite needs (Engine).
//
// Like PocketBase, it keeps one writer connection beside a pool of reader
// connections. All writes queue on the single writer, in Go rather than
// in SQLite's lock, so a write never meets SQLITE_BUSY however many admin
// requests arrive at once, while reads go on in parallel under WAL.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the name of the database file in the data directory.
const FileName = "tollgate.db"

// pragmas set on every connection. busy_timeout comes first so that the
// ones after it, and readers meeting a checkpoint, wait instead of failing.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"

// Store is the SQLite implementation of store.Store.
type Store struct {
	*sqlstore.Store
	writer *sql.DB // one connection: every write transaction queues here
	reader *sql.DB // read-only pool
}

// Option configures a Store.
type Option = sqlstore.Option

// WithMaxKeys sets how many signature and app keys an account may hold;
// store.DefaultMaxKeys when not set.
func WithMaxKeys(n int) Option { return sqlstore.WithMaxKeys(n) }

var _ store.Store = (*Store)(nil)

// engine is SQLite as package sqlstore sees it: ? placeholders, no lock
// of its own (the single writer connection is the lock), and migrations
// that rebuild a table run with foreign keys off.
var engine = &sqlstore.Engine{
	Name:            "sqlite",
	BeforeMigration: foreignKeysOffFor,
	CheckMigration:  checkForeignKeys,
}

// Open opens, or creates, the database in dir and brings its schema up to
// date. It creates dir with mode 0700 and the file with mode 0600: the
// configuration is the operator's alone. Secrets are sealed and opened
// with sealer; a database whose secrets were sealed under another master
// key is refused here rather than at its first secret.
func Open(ctx context.Context, dir string, sealer *secret.Sealer, opts ...Option) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("sqlite: Open needs a sealer (secret.Load)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, FileName)
	// SQLite gives its -wal and -shm files the mode of the database
	// file, so creating it first with 0600 covers all three.
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()

	writer, err := sql.Open("sqlite", file+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	reader, err := sql.Open("sqlite", file+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)

	st, err := sqlstore.Open(ctx, engine, writer, reader, sealer, opts...)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	s := &Store{Store: st, writer: writer, reader: reader}
	if err := sealLegacyHeaders(ctx, s); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	return s, nil
}

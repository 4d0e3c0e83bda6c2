// Package sqlite is the embedded store: one SQLite file in the data
// directory, through the pure Go driver modernc.org/sqlite.
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
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the name of the database file in the data directory.
const FileName = "tollgate.db"

// pragmas set on every connection. busy_timeout comes first so that the
// ones after it, and readers meeting a checkpoint, wait instead of failing.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"

// Store is the SQLite implementation of store.Store.
type Store struct {
	writer  *sql.DB // one connection: every write transaction queues here
	reader  *sql.DB // read-only pool
	sealer  *secret.Sealer
	maxKeys int
}

// Option configures a Store.
type Option func(*Store)

// WithMaxKeys sets how many signature and app keys an account may hold;
// store.DefaultMaxKeys when not set.
func WithMaxKeys(n int) Option {
	return func(s *Store) { s.maxKeys = n }
}

var _ store.Store = (*Store)(nil)

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

	s := &Store{writer: writer, reader: reader, sealer: sealer, maxKeys: store.DefaultMaxKeys}
	for _, o := range opts {
		o(s)
	}
	if err := migrate(ctx, writer); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	if err := fillNameKeys(ctx, writer); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	if err := checkSealer(ctx, writer, sealer); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	if err := sealLegacyHeaders(ctx, s); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	return s, nil
}

// sealerCheckAD is the additional data of the sealer_check value.
const sealerCheckAD = "tollgate/sealer-check"

// checkSealer opens the value sealed when the database first met a
// master key, or seals one if there is none.
func checkSealer(ctx context.Context, db *sql.DB, sealer *secret.Sealer) error {
	var sealed []byte
	err := db.QueryRowContext(ctx, `SELECT sealed FROM sealer_check WHERE id = 1`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = db.ExecContext(ctx, `INSERT INTO sealer_check (id, sealed) VALUES (1, ?) ON CONFLICT DO NOTHING`,
			sealer.Seal([]byte("tollgate"), sealerCheckAD))
		return err
	}
	if err != nil {
		return err
	}
	if _, err := sealer.Open(sealed, sealerCheckAD); err != nil {
		return errors.New("the master key is not the one this database's secrets are sealed with (check " +
			secret.EnvMasterKey + " or the " + secret.KeyFileName + " file)")
	}
	return nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in a transaction on the writer and commits it when fn
// returns nil. Inside fn, every statement must go through tx: the writer
// has one connection, which tx holds.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return failed(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return failed(err)
	}
	return failed(tx.Commit())
}

// read runs fn in a transaction on a reader, so that what fn reads with
// several statements (a page and its total) is one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return failed(err)
	}
	defer tx.Rollback()
	return failed(fn(tx))
}

// failed passes refusals through and wraps anything else, a failure of
// the database itself, as errcode.OperationFailed.
func failed(err error) error {
	var e *errcode.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return errcode.Wrap(errcode.OperationFailed, err)
}

// notFound is the refusal for an unknown id; subject names the kind and
// the id, e.g. "group g-abc".
func notFound(subject string) error {
	return errcode.New(errcode.ResourceNotFound, subject)
}

// now returns the current time as stored: UTC, microsecond precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// fromMicros converts a stored time back.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// exists reports whether query returns a row.
func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// openError describes a sealed value that did not open. It names the
// record, never the value.
func openError(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}

// queryAll runs query and scans every row with scan; an empty result is an
// empty, non-nil slice, so that lists marshal as [] rather than null.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Package sqlstore is store.Store on database/sql, whatever the SQL
// database: the business rules, the queries, the sealing of secrets and
// the migrations, written once. An engine (package sqlite, package
// postgres) opens the connections and describes, in an Engine, the little
// that differs between databases: placeholders, the lock that lets one
// writer in at a time, the options of read transactions, the hooks a
// migration needs.
//
// Queries are written with ? placeholders and in the SQL both databases
// speak: times are Unix microseconds in 64-bit integers, flags are
// compared with TRUE and FALSE, lists of names are JSON text, and what
// depends on the order of insertion sorts by a column named rowid (SQLite's
// own; a generated identity column in PostgreSQL).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Store is store.Store on database/sql.
type Store struct {
	engine *Engine
	// writeDB runs write transactions, readDB read transactions; reader
	// runs single statements on readDB. They may be one pool.
	writeDB, readDB *sql.DB
	reader          querier
	sealer          *secret.Sealer
	maxKeys         int
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithMaxKeys sets how many signature and app keys an account may hold;
// store.DefaultMaxKeys when not set.
func WithMaxKeys(n int) Option {
	return func(s *Store) { s.maxKeys = n }
}

// Open returns the store on writer and reader (which may be one pool)
// after bringing the schema up to date (Migrate), giving names written
// before name keys their key, and checking that the database's secrets
// are sealed with sealer's master key. It closes neither pool when it
// fails; Close closes both.
func Open(ctx context.Context, e *Engine, writer, reader *sql.DB, sealer *secret.Sealer, opts ...Option) (*Store, error) {
	if sealer == nil {
		return nil, errors.New(e.Name + ": the store needs a sealer (secret.Load)")
	}
	s := &Store{engine: e, writeDB: writer, readDB: reader, reader: e.bind(reader), sealer: sealer, maxKeys: store.DefaultMaxKeys}
	for _, o := range opts {
		o(s)
	}
	if err := Migrate(ctx, e, writer); err != nil {
		return nil, err
	}
	if err := s.fillNameKeys(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSealer(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// sealerCheckAD is the additional data of the sealer_check value.
const sealerCheckAD = "tollgate/sealer-check"

// checkSealer opens the value sealed when the database first met a
// master key, or seals one if there is none.
func (s *Store) checkSealer(ctx context.Context) error {
	var sealed []byte
	err := s.reader.QueryRowContext(ctx, `SELECT sealed FROM sealer_check WHERE id = 1`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		// Read back what is stored: another node opening the same new
		// database may have sealed its value first.
		err = s.write(ctx, func(tx querier) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sealer_check (id, sealed) VALUES (1, ?) ON CONFLICT DO NOTHING`,
				s.sealer.Seal([]byte("tollgate"), sealerCheckAD)); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT sealed FROM sealer_check WHERE id = 1`).Scan(&sealed)
		})
	}
	if err != nil {
		return err
	}
	if _, err := s.sealer.Open(sealed, sealerCheckAD); err != nil {
		return errors.New("the master key is not the one this database's secrets are sealed with (check " +
			secret.EnvMasterKey + " or the " + secret.KeyFileName + " file; every node of a cluster needs the same one)")
	}
	return nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	if s.readDB == s.writeDB {
		return s.writeDB.Close()
	}
	return errors.Join(s.readDB.Close(), s.writeDB.Close())
}

// querier is what *sql.DB and *sql.Tx have in common: where the store's
// statements run, with their placeholders made the engine's (Engine.bind).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in a write transaction and commits it when fn returns
// nil. The transaction starts with the engine's write lock, so that write
// transactions run one at a time and each sees what the one before it
// committed: a check fn makes (a name is free, a limit is not reached, the
// credit covers a price) still holds when it commits, on every node of a
// cluster. A write check the context carries (store.WithWriteCheck) runs
// first, under the lock.
func (s *Store) write(ctx context.Context, fn func(tx querier) error) error {
	tx, err := s.writeDB.BeginTx(ctx, nil)
	if err != nil {
		return s.failed(err)
	}
	var id int64
	switch {
	case s.engine.WriteLock == "":
	case s.engine.Outcome != nil:
		err = tx.QueryRowContext(ctx, s.engine.WriteLock).Scan(&id)
	default:
		_, err = tx.ExecContext(ctx, s.engine.WriteLock)
	}
	if err != nil {
		tx.Rollback()
		return s.failed(err)
	}
	if err := store.RunWriteCheck(ctx); err != nil {
		tx.Rollback()
		return s.failed(err)
	}
	if err := fn(s.engine.bind(tx)); err != nil {
		tx.Rollback()
		return s.failed(err)
	}
	if err := tx.Commit(); err != nil {
		return s.commitFailed(ctx, id, err)
	}
	return nil
}

// ErrCommitUnknown is the cause of a write whose commit was sent to the
// database and whose answer was lost with the connection, while the
// database could not be asked what became of it. It is OperationFailed,
// not Unavailable: trying again could make the write twice.
var ErrCommitUnknown = errors.New("the connection to the database broke after the commit was sent, and the database cannot say whether the write was made: check before making it again")

// commitFailed is the error of the write transaction id whose commit
// failed with err. A failure to reach the database is ambiguous there:
// the COMMIT may have arrived, and committed. The engine's Outcome asks:
// committed is a success, rolled back is Unavailable (try again), and not
// knowing is ErrCommitUnknown.
func (s *Store) commitFailed(ctx context.Context, id int64, err error) error {
	if s.engine.Outcome == nil || s.engine.Unreachable == nil || !s.engine.Unreachable(err) {
		return s.failed(err)
	}
	switch committed, known := s.engine.Outcome(ctx, s.readDB, id, err); {
	case !known:
		return errcode.Wrap(errcode.OperationFailed, fmt.Errorf("%w: %v", ErrCommitUnknown, err))
	case committed:
		return nil
	}
	return s.failed(err)
}

// read runs fn in a read transaction, so that what fn reads with several
// statements (a page and its total) is one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(tx querier) error) error {
	tx, err := s.readDB.BeginTx(ctx, s.engine.ReadOptions)
	if err != nil {
		return s.failed(err)
	}
	defer tx.Rollback()
	return s.failed(fn(s.engine.bind(tx)))
}

// failed is failed, except that a database the engine finds unreachable
// is errcode.Unavailable: the request may succeed once it is back.
func (s *Store) failed(err error) error {
	var e *errcode.Error
	if err != nil && !errors.As(err, &e) && s.engine.Unreachable != nil && s.engine.Unreachable(err) {
		return errcode.Wrap(errcode.Unavailable, err)
	}
	return failed(err)
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

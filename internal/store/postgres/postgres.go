// Package postgres is the store that nodes of a cluster share: the tables
// of package sqlstore in a PostgreSQL database, through pgx (pgxpool,
// with database/sql on top).
//
// Write transactions take one transaction-scoped advisory lock first
// (Engine.WriteLock), so that they run one at a time across every node, as
// SQLite's single writer connection makes them run within one: each sees
// what the one before it committed, and the store's checks (a name is
// free, a key limit is not reached, a recharge keeps the credit under the
// maximum, a purchase is allowed) hold when it commits. They run at READ
// COMMITTED, so that each statement after the lock reads what was
// committed before it was granted; REPEATABLE READ or SERIALIZABLE would
// read from a snapshot taken at the lock's statement, before the wait.
// Admin writes are few, and the lock is held only for one transaction's
// statements. Reads run in REPEATABLE READ, READ ONLY transactions: one
// snapshot per page and its total, per LoadCallers, and no lock.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
)

// writeLockKey is the key of the advisory lock write transactions take:
// "tollgate" in ASCII.
const writeLockKey = 0x746f6c6c67617465

// engine is PostgreSQL as package sqlstore sees it.
var engine = &sqlstore.Engine{
	Name:     "postgres",
	Numbered: true,
	// The lock, a notification to every node that listens (Watch),
	// which PostgreSQL delivers when the transaction commits and drops
	// when it rolls back, and the transaction's id, for Outcome.
	WriteLock: fmt.Sprintf("SELECT txid_current() FROM pg_advisory_xact_lock(%d), pg_notify('%s', '')",
		writeLockKey, changesChannel),
	ReadOptions: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	Unreachable: unreachable,
	Outcome:     outcome,
}

// outcomeWait is how long outcome keeps asking: the database may still be
// committing the transaction, or be on its way back.
const outcomeWait = 3 * time.Second

// outcome asks the database what became of the write transaction id whose
// COMMIT failed with err (txid_status): a transaction whose connection
// broke is committed if its COMMIT arrived, rolled back otherwise, and in
// progress for the moment in between. An error that says nothing was sent
// (pgconn.SafeToRetry) needs no question: without its COMMIT, the
// transaction rolled back.
func outcome(ctx context.Context, db *sql.DB, id int64, err error) (committed, known bool) {
	if pgconn.SafeToRetry(err) {
		return false, true
	}
	ctx, cancel := context.WithTimeout(ctx, outcomeWait)
	defer cancel()
	for {
		var status sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT txid_status($1)", id).Scan(&status); err == nil {
			switch status.String {
			case "committed":
				return true, true
			case "aborted":
				return false, true
			}
		}
		select {
		case <-ctx.Done():
			return false, false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unreachable reports whether err says the server could not be reached
// or the connection to it broke, rather than that it refused a statement.
func unreachable(err error) bool {
	var connect *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr):
		// The server answered: class 57P (operator intervention, such as
		// a shutdown) and 08 (connection exception) mean it is going or
		// gone; anything else is a refusal.
		return strings.HasPrefix(pgErr.Code, "57P") || strings.HasPrefix(pgErr.Code, "08")
	case errors.As(err, &connect), errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, pgconn.ErrConnClosed):
		return true
	}
	return false
}

// changesChannel is the channel every committed write notifies.
const changesChannel = "tollgate_changes"

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	*sqlstore.Store
	writer, reader *sql.DB
	pools          []*pgxpool.Pool
	dsn            string

	ledgerOnce sync.Once
	ledger     *Ledger
	ledgerErr  error
}

var _ store.Store = (*Store)(nil)

// IsURL reports whether s names a PostgreSQL database (postgres:// or
// postgresql://) rather than something else a flag may hold.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database dsn names (a postgres:// URL or a
// key=value connection string, as libpq reads them) and brings its schema
// up to date. Secrets are sealed and opened with sealer; a database whose
// secrets were sealed under another master key is refused here, as is one
// whose schema is newer than this build knows (sqlstore.ErrNewerSchema).
//
// Writers and readers have pools of their own: a write transaction that
// waits for the lock holds its connection, and must not keep a read (such
// as the balance a purchase reads before it commits) from getting one.
func Open(ctx context.Context, dsn string, sealer *secret.Sealer, opts ...sqlstore.Option) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("postgres: Open needs a sealer (secret.Load)")
	}
	where := Redact(dsn)
	writePool, err := newPool(ctx, dsn, 4)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	readPool, err := newPool(ctx, dsn, int32(max(4, 2*runtime.NumCPU())))
	if err != nil {
		writePool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	s := &Store{pools: []*pgxpool.Pool{writePool, readPool}}
	writer, reader := stdlib.OpenDBFromPool(writePool), stdlib.OpenDBFromPool(readPool)
	st, err := sqlstore.Open(ctx, engine, writer, reader, sealer, opts...)
	if err != nil {
		writer.Close()
		reader.Close()
		s.closePools()
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	s.Store, s.writer, s.reader = st, writer, reader
	s.dsn = dsn
	return s, nil
}

// newPool returns a pool of at most size connections to dsn, once one of
// them has answered.
func newPool(ctx context.Context, dsn string, size int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = size
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// Close closes the store and its pools.
func (s *Store) Close() error {
	err := s.Store.Close()
	s.closePools()
	return err
}

func (s *Store) closePools() {
	for _, p := range s.pools {
		p.Close()
	}
}

// Redact returns dsn without its password, for errors and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "the database"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

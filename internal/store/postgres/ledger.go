package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// ledgerLockKey is the key of the advisory lock that keeps a seed of a
// balance (Seed, exclusive) from running between a Write's commit and its
// apply (shared): "tgledger" in ASCII.
const ledgerLockKey = 0x74676c6564676572

// seedLockTimeout bounds a Seed's wait for the store's write lock: a
// purchase holds it while it reserves, and a purchase whose balance Redis
// lost meanwhile must fail rather than wait for itself.
const seedLockTimeout = "2s"

// Ledger is the store's ledger table as the counters' record of money
// (limit.Ledger): charged calls are written in batches, and balances Redis
// lost are rebuilt from it. Every statement runs with synchronous_commit
// on: a charge is answered only once its row would survive a crash of
// the database's machine.
type Ledger struct {
	pool *pgxpool.Pool
}

var _ limit.Ledger = (*Ledger)(nil)

// Ledger returns the store's ledger, on a pool of connections of its own
// (a batch writer, a sweeper, seeds), opened on first use and closed with
// the store.
func (s *Store) Ledger(ctx context.Context) (*Ledger, error) {
	s.ledgerOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(s.dsn)
		if err != nil {
			s.ledgerErr = err
			return
		}
		cfg.MaxConns = 4
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			s.ledgerErr = fmt.Errorf("postgres: ledger: %w", err)
			return
		}
		s.pools = append(s.pools, pool)
		s.ledger = &Ledger{pool: pool}
	})
	return s.ledger, s.ledgerErr
}

// Write implements limit.Ledger: one INSERT of every charge, ON CONFLICT
// (ref) DO NOTHING, committed on its own, under the shared ledger lock,
// which is released once apply has returned.
func (l *Ledger) Write(ctx context.Context, charges []limit.LedgerCharge, apply func(written []bool)) (err error) {
	if len(charges) == 0 {
		return nil
	}
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// locked: the session holds the shared lock; broken: its state is
	// not known, so the session is ended, which releases any lock.
	locked, broken := false, false
	defer func() {
		if locked && !broken {
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock_shared($1)`, int64(ledgerLockKey))
			cancel()
			broken = uerr != nil
		}
		if broken {
			conn.Hijack().Close(context.Background())
			return
		}
		conn.Release()
	}()
	refs := make([]string, len(charges))
	pins := make([]string, len(charges))
	amounts := make([]int64, len(charges))
	for i, c := range charges {
		refs[i], pins[i], amounts[i] = c.Ref, c.Pin, -c.Amount
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_lock_shared($1)`, int64(ledgerLockKey))
	b.Queue(`INSERT INTO ledger (ref, pin, kind, amount, created_at)
		SELECT r, p, $4, a, $5 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t (r, p, a)
		ON CONFLICT (ref) DO NOTHING RETURNING ref`, refs, pins, amounts, store.LedgerCharge, time.Now().UnixMicro())
	res := conn.SendBatch(ctx, b)
	if _, err := res.Exec(); err != nil {
		res.Close()
		broken = true
		return err
	}
	locked = true
	rows, err := res.Query()
	var got []string
	if err == nil {
		got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// Whether the statement committed is not known: the charges
		// stay queued, and a second write of them is one row each.
		broken = true
		return err
	}
	inserted := make(map[string]bool, len(got))
	for _, r := range got {
		inserted[r] = true
	}
	written := make([]bool, len(charges))
	for i, c := range charges {
		written[i] = inserted[c.Ref]
	}
	apply(written)
	return nil
}

// Written implements limit.Ledger: it takes the store's write lock, which
// every store transaction holds until it ends.
func (l *Ledger) Written(ctx context.Context, refs []string) ([]bool, error) {
	var out []bool
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLockKey)); err != nil {
			return err
		}
		var err error
		out, err = written(ctx, tx, refs)
		return err
	})
	return out, err
}

// Seed implements limit.Ledger: it takes the store's write lock (no
// purchase is between its hold and its commit) and then the ledger lock
// exclusively (no Write is between its commit and its apply), reads the
// spend and calls seed before either is released.
func (l *Ledger) Seed(ctx context.Context, pin string, seed func(spent int64, tx limit.LedgerSeed) error) error {
	return pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+seedLockTimeout+`'`); err != nil {
			return err
		}
		for _, key := range []int64{writeLockKey, ledgerLockKey} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
				return fmt.Errorf("seed the balance of %s from the ledger: %w", pin, err)
			}
		}
		var spent int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE pin = $1 AND kind <> $2`,
			pin, store.LedgerRecharge).Scan(&spent); err != nil {
			return err
		}
		return seed(spent, seedTx{ctx: ctx, tx: tx, pin: pin})
	})
}

// seedTx is a Seed's transaction, as limit.LedgerSeed.
type seedTx struct {
	ctx context.Context
	tx  pgx.Tx
	pin string
}

func (s seedTx) Written(refs []string) ([]bool, error) { return written(s.ctx, s.tx, refs) }

func (s seedTx) Open(ref string, amount int64) error {
	_, err := s.tx.Exec(s.ctx, `INSERT INTO ledger (ref, pin, kind, amount, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (ref) DO NOTHING`, ref, s.pin, store.LedgerCharge, -amount, time.Now().UnixMicro())
	return err
}

// written reports which refs are rows of the ledger.
func written(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, refs []string) ([]bool, error) {
	rows, err := q.Query(ctx, `SELECT ref FROM ledger WHERE ref = ANY($1)`, refs)
	if err != nil {
		return nil, err
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(got))
	for _, r := range got {
		have[r] = true
	}
	out := make([]bool, len(refs))
	for i, r := range refs {
		out[i] = have[r]
	}
	return out, nil
}

package app

import (
	"context"
	"errors"

	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/postgres"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// configStore is the store serve runs on, with what the start needs of it
// beyond store.Store: the data directory id the counters are checked
// against (state.go), the money they must hold the other half of, and
// the admin token's hash, which nodes sharing a store accept (token.go).
type configStore interface {
	store.Store
	DataID(ctx context.Context) (string, error)
	StampDataID(ctx context.Context, id string) error
	ClaimDataID(ctx context.Context, id string) (string, error)
	Money(ctx context.Context) (paidSubscriptions, recharges int, err error)
	AdminTokenHash(ctx context.Context) ([]byte, error)
	SetAdminTokenHash(ctx context.Context, hash []byte) ([]byte, error)
}

// openStore opens the store cfg names: SQLite in the data directory
// when cfg.Store is empty, else the PostgreSQL database it names, which
// the nodes of a cluster share (docs/cluster.md).
func openStore(ctx context.Context, cfg Config, sealer *secret.Sealer) (configStore, error) {
	if cfg.Store == "" {
		if err := CheckDatabaseFile(cfg.DataDir); err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, cfg.DataDir, sealer)
	}
	if !postgres.IsURL(cfg.Store) {
		return nil, errors.New("--store: a postgres:// URL, or nothing for SQLite in the data directory")
	}
	return postgres.Open(ctx, cfg.Store, sealer)
}

// storeName names the store cfg.Store names in the log, without a
// password.
func storeName(dsn string) string {
	if dsn == "" {
		return "sqlite"
	}
	return postgres.Redact(dsn)
}

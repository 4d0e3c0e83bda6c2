package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/limit/rediscounter"
	"github.com/tollgate-gw/tollgate/internal/store/postgres"
)

// counters is the engine both planes count with: the journaled Memory in
// the data directory, or Redis when serve is given --counters.
type counters interface {
	limit.Counter
	Close() error
}

// moneyStore is what counters are checked against: the data directory id
// the store is stamped with, and whether it holds money whose spend the
// counters keep.
type moneyStore interface {
	DataID(ctx context.Context) (string, error)
	StampDataID(ctx context.Context, id string) error
	ClaimDataID(ctx context.Context, id string) (string, error)
	Money(ctx context.Context) (paidSubscriptions, recharges int, err error)
}

// openRedisCounters connects to the Redis cfg.Counters names and checks,
// as openCounters does for a journal, that its counters belong to the
// store: they name the store's data directory id, or none, and then only
// if the store holds no money (every balance would be whole again) or has
// a ledger to rebuild the balances from. Its metrics go to reg, its
// transitions to log.
//
// With the store in PostgreSQL, balances are of record in its ledger
// (docs/cluster.md, "Money has one ledger"): charged calls are written to
// it, and a Redis that lost its data, or an empty one, is rebuilt from it.
func openRedisCounters(ctx context.Context, cfg Config, st moneyStore, log *slog.Logger, reg prometheus.Registerer) (*rediscounter.Counter, error) {
	o := rediscounter.Options{
		Nodes:        cfg.ClusterNodes,
		Logger:       log,
		Registerer:   reg,
		AutoPipeline: true, // unless the URL says autopipeline=false
	}
	if pg, ok := st.(*postgres.Store); ok {
		l, err := pg.Ledger(ctx)
		if err != nil {
			return nil, err
		}
		o.Ledger = l
	}
	c, err := rediscounter.Open(ctx, cfg.Counters, o)
	if err != nil {
		return nil, err
	}
	if err := claimCounters(ctx, c, st); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func claimCounters(ctx context.Context, c *rediscounter.Counter, st moneyStore) error {
	id, err := st.DataID(ctx)
	if err != nil {
		return fmt.Errorf("read the data directory id: %w", err)
	}
	have, err := c.DataID(ctx)
	if err != nil {
		return err
	}
	switch {
	case have != "" && id != "" && have != id:
		return mismatch(have, id)
	case have != "":
		id = have
	default:
		subs, recharges, err := st.Money(ctx)
		if err != nil {
			return err
		}
		if subs+recharges > 0 && !c.Ledgered() {
			return fmt.Errorf("the counters in Redis are empty (no data id), but the store holds %d paid subscriptions and %d recharges: "+
				"every balance would be whole again; nothing was changed (docs/cluster.md, Counters in Redis)", subs, recharges)
		}
		if id == "" {
			// Nodes starting together on a new store take one id.
			if id, err = st.ClaimDataID(ctx, limit.NewDataID()); err != nil {
				return err
			}
		}
	}
	if err := st.StampDataID(ctx, id); err != nil {
		return err
	}
	if have, err = c.ClaimDataID(ctx, id); err != nil {
		return err
	}
	if have != id {
		return mismatch(have, id)
	}
	return nil
}

func mismatch(counters, store string) error {
	return fmt.Errorf("the counters in Redis belong to data directory %s, the store to %s: they are another cluster's; nothing was changed", counters, store)
}

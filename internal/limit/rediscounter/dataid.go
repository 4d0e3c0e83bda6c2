package rediscounter

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// A Redis's counters belong to one data directory (one store) as a
// journal's do (limit.ReadDataID): its id is kept under <prefix>data-id,
// so that a node never counts one cluster's money in another's Redis, and
// a Redis that lost everything is told from one never used.

// DataID returns the id of the data directory the counters belong to, ""
// when none was claimed (a Redis never used, or one that lost its data).
func (c *Counter) DataID(ctx context.Context) (string, error) {
	id, err := c.rdb.Get(ctx, c.prefix+"data-id").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, c.check(err)
}

// ClaimDataID records id as the counters' data directory unless one is
// recorded, and returns the one recorded.
func (c *Counter) ClaimDataID(ctx context.Context, id string) (string, error) {
	if err := c.check(c.rdb.SetNX(ctx, c.prefix+"data-id", id, 0).Err()); err != nil {
		return "", err
	}
	return c.DataID(ctx)
}

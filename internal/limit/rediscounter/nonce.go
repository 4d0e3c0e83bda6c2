package rediscounter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Once implements limit.Counter with one command, SET n:{scope:id} 1 NX PX
// ttl: Redis keeps the nonce itself, so no two nonces are ever confused,
// and forgets it when ttl (rounded up to the millisecond) has passed on
// its clock, exactly; limit.Memory keeps one up to 2·ttl.
//
// While Redis is down, Once answers from this node's memory and writes
// the nonce to Redis when it returns: a replay to the same node is
// refused, one to another node during the outage is not. Refusing every
// signed call instead would make an outage of the counters one of the
// whole gateway.
func (c *Counter) Once(ctx context.Context, k limit.Key, ttl time.Duration) (bool, error) {
	if c.closed.Load() {
		return false, limit.ErrClosed
	}
	if ttl <= 0 {
		return false, fmt.Errorf("%w: nonce ttl %v", limit.ErrInvalid, ttl)
	}
	if !c.Up() {
		return c.onceLocally(ctx, k, ttl)
	}
	ms := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	if c.batch {
		return c.onceTogether(ctx, k, ttl, ms)
	}
	set := redis.NewStatusCmd(ctx, "SET", c.nonceKey(k), "1", "NX", "PX", ms)
	c.hot.Process(ctx, set)
	err := set.Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	}
	if err = c.check(err); c.Up() {
		return false, err
	}
	return c.onceLocally(ctx, k, ttl)
}

// onceLocally answers from the node's memory, keeping a fresh nonce to be
// written to Redis when it returns.
func (c *Counter) onceLocally(ctx context.Context, k limit.Key, ttl time.Duration) (bool, error) {
	c.health.fallback.WithLabelValues("once").Inc()
	fresh, err := c.local.Once(ctx, k, ttl)
	if fresh {
		c.pending.addNonce(c.nonceKey(k), c.clock.Now().Add(ttl))
	}
	return fresh, err
}

// onceTogether sends the nonce with the calls waiting (combine.go): the
// same SET NX PX, run by step.lua, so that the nonces, admissions and
// settlements of concurrent calls share one command and one round trip.
func (c *Counter) onceTogether(ctx context.Context, k limit.Key, ttl time.Duration, ms int64) (bool, error) {
	a := newAdmission(nil)
	defer a.release()
	a.nonce, a.ms = c.nonceKey(k), ms
	c.steps.run(ctx, a, c.sendStep)
	err := a.err
	if err == nil && len(a.res) != 1 {
		err = fmt.Errorf("counters: step.lua answered %v for a nonce", a.res)
	}
	if err = c.check(err); err == nil {
		return a.res[0] == 1, nil
	}
	if c.Up() {
		return false, err
	}
	return c.onceLocally(ctx, k, ttl)
}

package rediscounter

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Add implements limit.Counter with usage.lua, which counts in the hour of
// Redis's clock. While Redis is down, usage is kept in this node's memory
// (by the node's hour) and written when Redis returns: a call let through
// during an outage is still counted, unless this node dies meanwhile.
func (c *Counter) Add(ctx context.Context, k limit.UsageKey, u limit.Usage) error {
	if c.closed.Load() {
		return limit.ErrClosed
	}
	hour := floorDiv(c.clock.Now().UnixNano(), int64(time.Hour))
	if !c.Up() {
		c.health.fallback.WithLabelValues("add").Inc()
		c.pending.addUsage(k, hour, u)
		return nil
	}
	keys := []string{c.usageKey(k.Pin, hour-1), c.usageKey(k.Pin, hour), c.usageKey(k.Pin, hour+1)}
	err := usageScript.Run(ctx, c.hot, keys, c.scriptNow(), hour-1, c.retention, usageField(k),
		u.Calls, u.OK, u.Charged, u.Business).Err()
	if err = c.check(err); err != nil {
		if c.Up() {
			return err
		}
		c.health.fallback.WithLabelValues("add").Inc()
		c.pending.addUsage(k, hour, u)
	}
	return nil
}

// Usage implements limit.Counter. For one account it reads that account's
// hashes of the hours asked for (no older than retention); for every
// account it finds the hashes with SCAN (on every master of a cluster).
func (c *Counter) Usage(ctx context.Context, pin string, from, to time.Time) ([]limit.UsageRow, error) {
	if c.closed.Load() {
		return nil, limit.ErrClosed
	}
	if !c.Up() {
		return nil, c.refuse("usage")
	}
	// The hours that start in [from, to), within what can exist.
	const h = int64(time.Hour)
	now := floorDiv(c.clock.Now().UnixNano(), h)
	lo := max(ceilDiv(from.UnixNano(), h), now-c.retention-2)
	hi := min(ceilDiv(to.UnixNano(), h), now+3)
	type hashKey struct {
		key, pin string
		hour     int64
	}
	var keys []hashKey
	if pin != "" {
		for hour := lo; hour < hi; hour++ {
			keys = append(keys, hashKey{c.usageKey(pin, hour), pin, hour})
		}
	} else {
		all, err := c.scan(ctx, c.prefix+"u:{p:*")
		if err != nil {
			return nil, c.check(err)
		}
		head := len(c.prefix + "u:{p:")
		for _, key := range all {
			i := strings.LastIndex(key, "}:")
			if i < head {
				continue
			}
			hour, err := strconv.ParseInt(key[i+2:], 10, 64)
			if err != nil || hour < lo || hour >= hi {
				continue
			}
			keys = append(keys, hashKey{key, key[head:i], hour})
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, k.key)
		}
		return nil
	})
	if err != nil {
		return nil, c.check(err)
	}
	var rows []limit.UsageRow
	for i, k := range keys {
		byKey := map[limit.UsageKey]*limit.Usage{}
		for f, v := range cmds[i].Val() {
			uk, counter, ok := parseUsageField(f)
			if !ok {
				continue
			}
			uk.Pin = k.pin
			u := byKey[uk]
			if u == nil {
				u = new(limit.Usage)
				byKey[uk] = u
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			switch counter {
			case 'c':
				u.Calls = n
			case 'o':
				u.OK = n
			case 'm':
				u.Charged = n
			case 'b':
				u.Business = n
			}
		}
		hour := time.Unix(k.hour*3600, 0).UTC()
		for uk, u := range byKey {
			rows = append(rows, limit.UsageRow{UsageKey: uk, Hour: hour, Usage: *u})
		}
	}
	slices.SortFunc(rows, func(a, b limit.UsageRow) int {
		return cmp.Or(a.Hour.Compare(b.Hour),
			cmp.Compare(a.Pin, b.Pin),
			cmp.Compare(a.AccessKey, b.AccessKey),
			cmp.Compare(a.Group, b.Group),
			cmp.Compare(a.API, b.API),
			cmp.Compare(a.Env, b.Env))
	})
	return rows, nil
}

// scan returns the keys matching pattern, from every master of a cluster.
func (c *Counter) scan(ctx context.Context, pattern string) ([]string, error) {
	var (
		mu   sync.Mutex
		seen = map[string]bool{} // SCAN may return a key twice
		keys []string
	)
	one := func(ctx context.Context, rdb redis.UniversalClient) error {
		it := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		for it.Next(ctx) {
			mu.Lock()
			if k := it.Val(); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	if cc, ok := c.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, rdb *redis.Client) error { return one(ctx, rdb) })
	} else {
		err = one(ctx, c.rdb)
	}
	return keys, err
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

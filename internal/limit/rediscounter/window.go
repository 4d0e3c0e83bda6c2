package rediscounter

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Allow implements limit.Counter with allow.lua: limit.Memory's sliding
// window of limit.WindowSlots slots, in one step on Redis's clock.
//
// The script counts in microseconds (TIME's resolution, and what a Lua
// number holds exactly), so a rate's slot width, ceil(Per/WindowSlots),
// must be a whole number of microseconds: true of every whole second,
// minute, hour and day. Any other Per is ErrInvalid.
//
// While Redis is down, Allow answers from a window of this node's own,
// of Limit/Nodes calls (at least one), and says nothing of the failure:
// a rate limit protects a backend, and letting the nodes share it evenly
// keeps the backend near its limit without refusing every call.
func (c *Counter) Allow(ctx context.Context, k limit.Key, r limit.Rate, n int64) (limit.Decision, error) {
	if c.closed.Load() {
		return limit.Decision{}, limit.ErrClosed
	}
	width, err := slotWidth(r, n)
	if err != nil {
		return limit.Decision{}, err
	}
	if !c.Up() {
		return c.allowLocally(ctx, k, r, n)
	}
	res, err := allowScript.Run(ctx, c.hot, []string{c.rateKey(k)},
		c.scriptNow(), strconv.FormatInt(int64(r.Per), 10), width/1000, r.Limit, n).Int64Slice()
	if err = c.check(err); err != nil {
		if c.Up() {
			return limit.Decision{}, err
		}
		return c.allowLocally(ctx, k, r, n)
	}
	if len(res) != 4 {
		return limit.Decision{}, fmt.Errorf("counters: allow.lua answered %v", res)
	}
	return decision(r, res), nil
}

// slotWidth returns the slot width of r in nanoseconds, or ErrInvalid when
// n calls of r can never be counted.
func slotWidth(r limit.Rate, n int64) (int64, error) {
	if err := r.Check(n); err != nil {
		return 0, err
	}
	width := (int64(r.Per) + limit.WindowSlots - 1) / limit.WindowSlots
	if width%1000 != 0 {
		return 0, fmt.Errorf("%w: rate period %v: its slot width %v is not whole microseconds", limit.ErrInvalid, r.Per, time.Duration(width))
	}
	return width, nil
}

// decision turns the four integers of allow (lua/lib/window.lua) into a
// Decision.
func decision(r limit.Rate, res []int64) limit.Decision {
	width := (int64(r.Per) + limit.WindowSlots - 1) / limit.WindowSlots
	return limit.Decision{
		Allowed:    res[0] == 1,
		Limit:      r.Limit,
		Remaining:  res[1],
		Reset:      usDuration(res[2], r.Per, width),
		RetryAfter: usDuration(res[3], r.Per, width),
	}
}

// usDuration converts a script's microseconds to a Duration; -1 means no
// counted slot frees enough, which limit.Memory answers with Per plus a
// slot width.
func usDuration(us int64, per time.Duration, width int64) time.Duration {
	if us < 0 {
		return per + time.Duration(width)
	}
	return time.Duration(us) * time.Microsecond
}

// allowLocally answers from this node's fallback window, of r.Limit/Nodes
// calls. The decision reports r's Limit, as the headers always do.
func (c *Counter) allowLocally(ctx context.Context, k limit.Key, r limit.Rate, n int64) (limit.Decision, error) {
	c.health.fallback.WithLabelValues("allow").Inc()
	share := limit.Rate{Limit: max(r.Limit/c.nodes, 1), Per: r.Per}
	if n > share.Limit {
		// More than this node's share at once: refused, as Redis would
		// refuse more than the whole limit.
		return limit.Decision{Limit: r.Limit, RetryAfter: r.Per}, nil
	}
	d, err := c.local.Allow(ctx, k, share, n)
	d.Limit = r.Limit
	return d, err
}

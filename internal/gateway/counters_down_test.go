package gateway

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// downCounter is a counter whose server can be taken away: while down, the
// methods named in fail return limit.ErrUnavailable, as the Redis engine
// does; the others count as before.
type downCounter struct {
	limit.Counter
	down atomic.Bool
	fail map[string]bool
}

func (c *downCounter) failing(method string) bool { return c.down.Load() && c.fail[method] }

var errDown = fmt.Errorf("%w: redis is down", limit.ErrUnavailable)

func (c *downCounter) Allow(ctx context.Context, k limit.Key, r limit.Rate, n int64) (limit.Decision, error) {
	if c.failing("allow") {
		return limit.Decision{}, errDown
	}
	return c.Counter.Allow(ctx, k, r, n)
}

func (c *downCounter) Once(ctx context.Context, k limit.Key, ttl time.Duration) (bool, error) {
	if c.failing("once") {
		return false, errDown
	}
	return c.Counter.Once(ctx, k, ttl)
}

func (c *downCounter) Reserve(ctx context.Context, q limit.Quota, n int64, hold time.Duration) (limit.Reservation, error) {
	if c.failing("reserve") {
		return limit.Reservation{}, errDown
	}
	return c.Counter.Reserve(ctx, q, n, hold)
}

func (c *downCounter) Commit(ctx context.Context, r limit.Reservation) error {
	if c.failing("commit") {
		return errDown
	}
	return c.Counter.Commit(ctx, r)
}

// TestCountersDown: with the counters' server down, the gateway makes no
// 500. A call that needs money or a quota counted, or a nonce checked, is
// refused with 503 in the group's dialect; a call that only a rate limit
// watches goes through; a call whose charge cannot be committed after the
// backend answered is 503 too, and its caller is not told of a success.
func TestCountersDown(t *testing.T) {
	unavailable := [4]string{"UNAVAILABLE", "10020", "1108", "6200"} // jdcloud, market, zenith, tencent
	cases := []struct {
		name   string
		fail   []string
		pin    string
		groups []int // indexes into marketDialects; all when nil
		status int
		codes  [4]string
	}{
		{"pay per call, balance not reserved", []string{"reserve", "allow", "once"}, "payer", []int{1, 2, 3}, 503, unavailable},
		{"daily quota not reserved", []string{"reserve", "allow", "once"}, "daily", []int{1, 2, 3}, 503, unavailable},
		{"call package not reserved", []string{"reserve", "allow", "once"}, "pkg", []int{1, 2, 3}, 503, unavailable},
		{"nonce not checked", []string{"once"}, "free", []int{0}, 503, unavailable},
		{"charge not committed", []string{"commit"}, "payer", nil, 503, unavailable},
		{"package call not committed", []string{"commit"}, "pkg", nil, 503, unavailable},
		{"rate limit only: let through", []string{"allow", "reserve", "commit"}, "fast", []int{1, 2, 3}, 200, [4]string{}},
		{"no limit at all", []string{"allow", "reserve", "commit"}, "free", []int{1, 2, 3}, 200, [4]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctr := &downCounter{fail: map[string]bool{}}
			for _, m := range c.fail {
				ctr.fail[m] = true
			}
			h := newWrappedMarketHarness(t, Config{}, nil, func(m limit.Counter) limit.Counter {
				ctr.Counter = m
				return ctr
			})
			ctr.down.Store(true)
			groups := c.groups
			if groups == nil {
				groups = []int{0, 1, 2, 3}
			}
			m := h
			for _, i := range groups {
				d := marketDialects[i]
				r := m.call("m-"+d.id, c.pin, "/ok")
				want := fmt.Sprint(c.status)
				if c.status != 200 {
					want += " " + c.codes[i]
				}
				got := fmt.Sprint(r.StatusCode)
				if r.StatusCode != 200 {
					got += " " + r.code()
				}
				if got != want {
					t.Errorf("%s: got %s, want %s (%s)", d.dialect, got, want, r.body)
				}
			}
		})
	}
}

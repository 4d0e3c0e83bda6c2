package admin

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// downCounter is a counter whose server can be taken away, as Redis is
// when it stops: every method fails with limit.ErrUnavailable meanwhile.
type downCounter struct {
	limit.Counter
	down atomic.Bool
}

func (c *downCounter) Reserve(ctx context.Context, q limit.Quota, n int64, hold time.Duration) (limit.Reservation, error) {
	if c.down.Load() {
		return limit.Reservation{}, fmt.Errorf("reserve: %w", limit.ErrUnavailable)
	}
	return c.Counter.Reserve(ctx, q, n, hold)
}

func (c *downCounter) Usage(ctx context.Context, pin string, from, to time.Time) ([]limit.UsageRow, error) {
	if c.down.Load() {
		return nil, fmt.Errorf("usage: %w", limit.ErrUnavailable)
	}
	return c.Counter.Usage(ctx, pin, from, to)
}

// TestCountersDown: with the counters' server away, the admin calls that
// need it answer 503 UNAVAILABLE (try again) rather than a 500; and a
// recharge, which is stored before its balance is read from the counters,
// answers its success without the balance: an error there would have the
// operator try again and credit it twice.
func TestCountersDown(t *testing.T) {
	hs := newHarness(t)
	s := hs.shop()
	c := &downCounter{Counter: hs.srv.counter}
	hs.srv.counter = c
	c.down.Store(true)

	for _, tt := range []struct{ name, method, path, body string }{
		{"usage", "GET", "/v1/usage?pin=buyer", ""},
		{"bills", "GET", "/v1/accounts/buyer/bills", ""},
		{"a package purchase", "POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"buyer","planId":%q}`, s.pkg)},
	} {
		if res := hs.do(tt.method, tt.path, tt.body); res.status != 503 || res.errStatus() != "UNAVAILABLE" {
			t.Errorf("%s with the counters down: %d %s; want 503 UNAVAILABLE", tt.name, res.status, res.raw)
		}
	}

	res := hs.do("POST", "/v1/accounts/buyer/recharge", `{"amount":50}`)
	if _, ok := res.body["balance"]; res.status != 201 || res.body["credit"] != 150.0 || ok {
		t.Errorf("a recharge with the counters down: %d %s; want 201, the credit 150 and no balance", res.status, res.raw)
	}

	c.down.Store(false)
	if b := hs.balanceOf("buyer"); b != 150 {
		t.Errorf("balance once the counters are back: %v, want 150 (the recharge made once, nothing bought)", b)
	}
	if subs := hs.must("GET", "/v1/subscriptions?pin=buyer", "", 200).body["subscriptions"].([]any); len(subs) != 0 {
		t.Errorf("subscriptions after a purchase refused with the counters down: %v, want none", subs)
	}
}

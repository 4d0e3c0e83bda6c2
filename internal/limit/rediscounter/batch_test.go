package rediscounter

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// TestAdmitScriptError: when Redis answers an admission with an error (a
// window's key holding a string), the admission ends as the methods one
// by one would: every limit sent has the error (and lets the call
// through), the first hold has it and stops the admission, and a limit
// that could never be counted keeps its own ErrInvalid rather than
// passing for a refusal.
func TestAdmitScriptError(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	c := newTestCounter(t, addr, Options{})
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	bad := limit.Key{Scope: "api", ID: "g1/getUser"}
	if err := rdb.Set(ctx, c.rateKey(bad), "not a window", 0).Err(); err != nil {
		t.Fatal(err)
	}
	q := limit.Quota{Key: limit.Key{Scope: "sub", ID: "s1"}, Limit: 10, Period: limit.Total}
	ops := []limit.Op{
		limit.AllowOp(limit.Key{Scope: "key", ID: "AK1"}, limit.PerSecond(5), 0),
		limit.AllowOp(bad, limit.PerSecond(5), 1),
		limit.ReserveOp(q, 1, 0),
	}
	limit.Admit(ctx, c, ops)
	if !errors.Is(ops[0].Err, limit.ErrInvalid) {
		t.Errorf("the limit that can never be counted: %v, want ErrInvalid", ops[0].Err)
	}
	if ops[1].Err == nil || ops[2].Err == nil {
		t.Errorf("after Redis's error: %v, %v; want it on the limit and the hold", ops[1].Err, ops[2].Err)
	}
	if ops[2].Reservation.Granted {
		t.Error("the hold was granted")
	}
	if !c.Up() {
		t.Error("an answer of Redis's marked it down")
	}
}

package rediscounter

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// The sweeper: every node, every SweepEvery, takes the pending charges
// older than SweepAfter from the index and finishes them, whichever node
// committed them (that node died, or could not reach the ledger, or is
// slow: finishing is idempotent). A call's charge is written to the
// ledger (a row once, whoever writes it) and forgotten as pending; a
// purchase's is kept if its store transaction wrote its row and given
// back if not (Ledger.Written waits for the transactions running).

// sweepBatch is how many pending charges one sweep takes at most.
const sweepBatch = 512

// sweepLoop sweeps until quit.
func (c *Counter) sweepLoop(every, after time.Duration, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false // logged once when sweeps start failing, once when they work again
	for {
		select {
		case <-t.C:
		case <-quit:
			return
		}
		if !c.Up() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := c.Sweep(ctx, after)
		cancel()
		switch {
		case err != nil && !failing:
			failing = true
			c.log.Warn("counters: sweeping pending charges failed; retrying every sweep, quietly until it works", "error", err)
		case err == nil && failing:
			failing = false
			c.log.Info("counters: sweeping pending charges works again")
		}
	}
}

// Sweep finishes the pending charges committed in Redis more than after
// ago, and returns how many it found.
func (c *Counter) Sweep(ctx context.Context, after time.Duration) (int, error) {
	if c.ledger == nil {
		return 0, nil
	}
	members, err := c.rdb.ZRangeByScore(ctx, c.pendingIndex(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(time.Now().Add(-after).UnixMilli(), 10), Count: sweepBatch,
	}).Result()
	if err = c.check(err); err != nil || len(members) == 0 {
		return 0, err
	}
	byPin := map[string][]string{}
	var pins []string
	for _, m := range members {
		ref, pin, ok := strings.Cut(m, " ")
		if !ok {
			c.rdb.ZRem(ctx, c.pendingIndex(), m)
			continue
		}
		if byPin[pin] == nil {
			pins = append(pins, pin)
		}
		byPin[pin] = append(byPin[pin], ref)
	}
	var calls []queued
	var purchases, purchasePins []string
	var gone []any
	for _, pin := range pins {
		refs := byPin[pin]
		args := make([]any, 0, len(refs)+1)
		args = append(args, "read")
		for _, ref := range refs {
			args = append(args, ref)
		}
		res, err := ledgerScript.Run(ctx, c.rdb, c.ledgerKeys(pin)[:2], args...).Slice()
		if err = c.check(err); err != nil {
			return 0, err
		}
		gen, _ := res[0].(string)
		for i, ref := range refs {
			rec, _ := res[i+1].(string)
			n, kind, ok := parsePending(rec)
			switch {
			case !ok:
				// Finished already, or lost with the balance: the
				// ledger has it or the next seed starts without it.
				gone = append(gone, ref+" "+pin)
			case kind == pendPurchase:
				purchases, purchasePins = append(purchases, ref), append(purchasePins, pin)
			default:
				calls = append(calls, queued{charge: limit.LedgerCharge{Ref: ref, Pin: pin, Amount: n}, gen: gen})
			}
		}
	}
	if len(gone) > 0 {
		c.rdb.ZRem(ctx, c.pendingIndex(), gone...)
	}
	if len(calls) > 0 {
		charges := make([]limit.LedgerCharge, len(calls))
		for i, q := range calls {
			charges[i] = q.charge
		}
		if err := c.ledger.l.Write(ctx, charges, func(written []bool) { c.applyCharges(ctx, calls, written) }); err != nil {
			return 0, err
		}
	}
	if len(purchases) > 0 {
		written, err := c.ledger.l.Written(ctx, purchases)
		if err != nil {
			return 0, err
		}
		for i, ref := range purchases {
			if err := c.settlePurchase(ctx, purchasePins[i], ref, written[i]); err != nil {
				return 0, err
			}
		}
	}
	return len(members), nil
}

// parsePending reads a pending entry, "n kind time".
func parsePending(rec string) (n int64, kind string, ok bool) {
	f := strings.Fields(rec)
	if len(f) != 3 {
		return 0, "", false
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	return n, f[1], err == nil
}

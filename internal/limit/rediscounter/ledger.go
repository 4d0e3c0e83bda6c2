package rediscounter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Money has one ledger. With Options.Ledger set, balances (limit.Quota
// under limit.BalanceScope, Total) are of record in the ledger, and Redis
// holds their holds and a cache of their spend:
//
//   - Commit of a balance hold adds its amount to the balance's used, as
//     any commit, and records it as pending (q:{k}:p, ref -> amount) in
//     the same step; the ref is also put in an index of pending charges
//     (ledger:pending, by time) in the same round trip, just before.
//     The charge is queued for this node's ledger writer (writer.go),
//     which writes everything queued in one transaction and then forgets
//     the pending entries (ledger.lua's apply).
//   - Sync waits until every charge this node committed before it is a
//     row of the ledger: what the gateway calls before it answers a
//     charged call. Flush waits for nothing, and calls that charge no
//     money never wait for the ledger.
//   - A balance Redis does not have (it restarted without its data, or
//     was flushed) is seeded from the ledger at its next Reserve: used is
//     what the ledger says was spent.
//   - Pending charges older than SweepAfter (their node died, or could
//     not reach the ledger) are written by whichever node sweeps first
//     (sweep.go); a purchase's (Pend) is kept or dropped as the ledger
//     says once its store transaction has ended.
//
// docs/cluster.md, "Money has one ledger", walks through every crash.

// ledgerKey returns the keys ledger.lua takes for a balance: its quota,
// its pending charges, its holds by deadline and its holds' amounts.
func (c *Counter) ledgerKeys(pin string) []string {
	q := c.quotaKeys(limit.Key{Scope: limit.BalanceScope, ID: pin})
	return []string{q[0], q[0] + ":p", q[1], q[2]}
}

// pendingIndex is the key of the index of pending charges: a sorted set
// of "ref pin" by the time (ms) they were committed.
func (c *Counter) pendingIndex() string { return c.prefix + "ledger:pending" }

// Kinds of pending entry.
const (
	pendCall     = "c"
	pendPurchase = "p"
)

// ledgered reports whether q is a balance of record in the ledger.
func (c *Counter) ledgered(k limit.Key, p limit.Period) bool {
	return c.ledger != nil && k.Scope == limit.BalanceScope && p.Zone() == nil
}

// newNodeID returns a random prefix for this counter's charge refs: 64
// bits, so that with the hold's 63 random bits no two charges of any
// node ever share a ref (a shared ref would be one row, one charge lost).
func newNodeID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pend commits r, a balance hold, as pending with ref and kind: its
// amount is in used, and the index names it, when it returns nil. It
// returns the balance's generation.
func (c *Counter) pend(ctx context.Context, r limit.Reservation, ref, kind string) (string, error) {
	if r.ID == 0 {
		return "", nil
	}
	if c.closed.Load() {
		return "", limit.ErrClosed
	}
	if !c.Up() {
		return "", c.refuse("settle")
	}
	keys := c.ledgerKeys(r.Key.ID)
	settleKeys := []string{keys[0], keys[2], keys[3], keys[1]}
	args := []any{c.scriptNow(), strconv.FormatUint(r.ID, 10), "p", ref, kind}
	member := ref + " " + r.Key.ID
	run := func(eval func(redis.Pipeliner) *redis.Cmd) (*redis.Cmd, error) {
		var cmd *redis.Cmd
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			// The index first: a pending entry the index does not name
			// would never be swept.
			p.ZAdd(ctx, c.pendingIndex(), redis.Z{Score: float64(time.Now().UnixMilli()), Member: member})
			cmd = eval(p)
			return nil
		})
		return cmd, err
	}
	cmd, err := run(func(p redis.Pipeliner) *redis.Cmd { return settleScript.EvalSha(ctx, p, settleKeys, args...) })
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		cmd, err = run(func(p redis.Pipeliner) *redis.Cmd { return settleScript.Eval(ctx, p, settleKeys, args...) })
	}
	if err = c.check(err); err != nil {
		return "", err
	}
	res, err := cmd.Slice()
	if err != nil || len(res) != 2 {
		return "", fmt.Errorf("counters: settle.lua answered %v: %w", res, err)
	}
	if n, _ := res[0].(int64); n != 2 {
		c.rdb.ZRem(ctx, c.pendingIndex(), member)
		return "", limit.ErrUnknownReservation
	}
	gen, _ := res[1].(string)
	return gen, nil
}

// commitCharge commits r, a hold on a balance of record in the ledger,
// and queues its charge for the ledger: Sync waits for it.
func (c *Counter) commitCharge(ctx context.Context, r limit.Reservation) error {
	if r.ID == 0 {
		return nil
	}
	ref := c.ledger.node + "-" + strconv.FormatUint(r.ID, 16)
	gen, err := c.pend(ctx, r, ref, pendCall)
	if err != nil {
		return err
	}
	c.ledger.enqueue(queued{charge: limit.LedgerCharge{Ref: ref, Pin: r.Key.ID, Amount: r.N}, gen: gen})
	return nil
}

// Pend commits r, a hold on pin's balance, as the payment of a purchase
// whose ledger row (ref) a store transaction is writing: the money stays
// taken while that transaction runs, and whether it stays taken after is
// Resolve's to say (or, if this node dies first, the sweeper's). It is
// limit.ErrUnknownReservation when the hold expired or Redis lost it.
func (c *Counter) Pend(ctx context.Context, r limit.Reservation, ref string) error {
	if c.ledger == nil {
		return errors.New("counters: Pend needs a ledger")
	}
	_, err := c.pend(ctx, r, ref, pendPurchase)
	return err
}

// Resolve settles a purchase Pend took the money of, once its store
// transaction has ended: the money stays taken if the ledger has its
// row, and is given back if not.
func (c *Counter) Resolve(ctx context.Context, pin, ref string) error {
	if c.ledger == nil {
		return errors.New("counters: Resolve needs a ledger")
	}
	written, err := c.ledger.l.Written(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("%w: %w", limit.ErrUnavailable, err)
	}
	return c.settlePurchase(ctx, pin, ref, written[0])
}

// settlePurchase forgets a pending purchase the ledger has (written), or
// takes its money back out of used.
func (c *Counter) settlePurchase(ctx context.Context, pin, ref string, written bool) error {
	keys := c.ledgerKeys(pin)[:2]
	var err error
	if written {
		err = ledgerScript.Run(ctx, c.rdb, keys, "apply", ref, "", "0", "0").Err()
	} else {
		err = ledgerScript.Run(ctx, c.rdb, keys, "drop", ref).Err()
	}
	if err = c.check(err); err != nil {
		return err
	}
	return c.check(c.rdb.ZRem(ctx, c.pendingIndex(), ref+" "+pin).Err())
}

// seed (re)builds a balance from the ledger: Redis does not have it, or
// has it from before it last started (ledger.lua, 'seed'). A balance
// Redis counted before it had a ledger is adopted: what it spent beyond
// the ledger's rows (per-call charges, which were Redis's alone) is
// written as one opening row first, so that no rebuild forgets it.
func (c *Counter) seed(ctx context.Context, pin string) error {
	keys := c.ledgerKeys(pin)
	var rerr error
	err := c.ledger.l.Seed(ctx, pin, func(spent int64, tx limit.LedgerSeed) error {
		res, err := ledgerScript.Run(ctx, c.rdb, keys[:2], "read").Slice()
		if rerr = c.check(err); rerr != nil {
			return rerr
		}
		if legacy, ok := res[1].(string); ok {
			if used, err := strconv.ParseInt(legacy, 10, 64); err == nil && used > spent {
				if err := tx.Open(openingRef+pin, used-spent); err != nil {
					return err
				}
				spent = used
			}
		}
		args := []any{"seed", spent, newNodeID()}
		if len(res) > 2 {
			refs := make([]string, 0, len(res)-2)
			for _, r := range res[2:] {
				ref, _ := r.(string)
				refs = append(refs, ref)
			}
			in, err := tx.Written(refs)
			if err != nil {
				return err
			}
			for i, ref := range refs {
				if in[i] {
					args = append(args, ref)
				}
			}
		}
		rerr = c.check(ledgerScript.Run(ctx, c.rdb, keys, args...).Err())
		return rerr
	})
	if rerr != nil {
		return rerr
	}
	return err
}

// openingRef prefixes the ref of the opening row of a balance Redis
// counted before it had a ledger.
const openingRef = "opening:"

// isSeed reports whether reserve.lua asked for the balance to be seeded.
func isSeed(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	// Redis 7 prefixes a script's error reply with ERR; earlier ones
	// pass it as it is.
	msg := strings.TrimPrefix(rerr.Error(), "ERR ")
	return msg == "seed"
}

// Ledgered reports whether the counter's balances are of record in a
// ledger (Options.Ledger).
func (c *Counter) Ledgered() bool { return c.ledger != nil }

package postgres

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/limit/rediscounter"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// The ledger with counters in Redis (docs/cluster.md, "Money has one
// ledger"): a real PostgreSQL and a real redis-server per test.

// money is an account with credit, its store and ledger, and a Redis.
type money struct {
	t      testing.TB
	st     *Store
	ledger *Ledger
	redis  *redistest.Server
	rdb    *redis.Client
	pin    string
	credit int64
}

func newMoney(t testing.TB, credit int64) *money {
	t.Helper()
	ctx := context.Background()
	m := &money{t: t, pin: "payer", credit: credit}
	s, err := Open(ctx, pgtest.Start(t), testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	m.st = s
	if m.ledger, err = s.Ledger(ctx); err != nil {
		t.Fatal(err)
	}
	m.redis = redistest.StartServer(t)
	m.rdb = redis.NewClient(&redis.Options{Addr: m.redis.Addr()})
	t.Cleanup(func() { m.rdb.Close() })
	a := model.Account{Pin: m.pin, RealNameVerified: true}
	a.ApplyDefaults()
	if _, err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Recharge(ctx, model.Recharge{Pin: m.pin, Amount: credit}); err != nil {
		t.Fatal(err)
	}
	return m
}

// counter is a node's counter on the Redis, with l as its ledger (the
// store's when nil); the sweeper runs only when a test calls Sweep.
func (m *money) counter(l limit.Ledger) *rediscounter.Counter {
	m.t.Helper()
	if l == nil {
		l = m.ledger
	}
	rdb := redis.NewClient(&redis.Options{Addr: m.redis.Addr(), MaxRetries: -1, DialerRetries: 1})
	c, err := rediscounter.New(rdb, rediscounter.Options{Ledger: l, SweepEvery: time.Hour, SyncTimeout: 2 * time.Second,
		ProbeEvery: 10 * time.Millisecond})
	if err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { c.Close() })
	return c
}

func (m *money) balance() limit.Quota {
	return limit.Quota{Key: limit.Key{Scope: limit.BalanceScope, ID: m.pin}, Limit: m.credit, Period: limit.Total}
}

// call is a charged call as the gateway makes it: a hold of price, its
// commit once the backend answered, and Sync before the answer. It
// reports whether the caller would have been told of a success.
func (m *money) call(c *rediscounter.Counter, price int64) (bool, error) {
	ctx := context.Background()
	r, err := c.Reserve(ctx, m.balance(), price, 0)
	if err != nil || !r.Granted {
		return false, err
	}
	if err := c.Commit(ctx, r); err != nil {
		return false, err
	}
	if err := c.Sync(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// remaining is the balance Redis has (seeded from the ledger if it has
// none), as the next hold would see it.
func (m *money) remaining(c *rediscounter.Counter) int64 {
	m.t.Helper()
	r, err := c.Reserve(context.Background(), m.balance(), 0, 0)
	if err != nil {
		m.t.Fatal(err)
	}
	return r.Remaining
}

// rows returns the number of charge rows and what the ledger says pin
// spent.
func (m *money) rows() (charges int, spent int64) {
	m.t.Helper()
	ctx := context.Background()
	if err := m.ledger.pool.QueryRow(ctx, `SELECT COUNT(*) FROM ledger WHERE kind = 'charge'`).Scan(&charges); err != nil {
		m.t.Fatal(err)
	}
	_, s, err := m.st.LedgerBalance(ctx, m.pin)
	if err != nil {
		m.t.Fatal(err)
	}
	return charges, s
}

// pending returns how many charges Redis holds as pending, in the
// balance's hash and in the index.
func (m *money) pending() (entries, indexed int64) {
	ctx := context.Background()
	entries, _ = m.rdb.HLen(ctx, "tollgate:q:{balance:"+m.pin+"}:p").Result()
	indexed, _ = m.rdb.ZCard(ctx, "tollgate:ledger:pending").Result()
	return entries, indexed
}

// TestChargeIsInTheLedgerBeforeSync: a charged call's Sync returns once
// its row is committed in PostgreSQL, so that the caller is answered only
// for a charge that survives any crash; a call that charges no money
// (a quota) writes nothing there. Before the ledger, Sync returned at once
// and the charge lived in Redis alone.
func TestChargeIsInTheLedgerBeforeSync(t *testing.T) {
	m := newMoney(t, 100)
	c := m.counter(nil)
	ctx := context.Background()
	for i := int64(1); i <= 3; i++ {
		if ok, err := m.call(c, 10); !ok || err != nil {
			t.Fatalf("call %d: %v, %v", i, ok, err)
		}
		if n, spent := m.rows(); n != int(i) || spent != 10*i {
			t.Fatalf("after call %d answered: %d charge rows, %d spent in the ledger; want %d and %d", i, n, spent, i, 10*i)
		}
	}
	q := limit.Quota{Key: limit.Key{Scope: "sub total", ID: "s1"}, Limit: 5, Period: limit.Total}
	r, err := c.Reserve(ctx, q, 1, 0)
	if err != nil || c.Commit(ctx, r) != nil || c.Sync(ctx) != nil || c.Flush(ctx) != nil {
		t.Fatalf("a quota's call: %v", err)
	}
	if n, _ := m.rows(); n != 3 {
		t.Errorf("a quota's call wrote to the ledger: %d charge rows, want 3", n)
	}
	if got := m.remaining(c); got != 70 {
		t.Errorf("remaining %d, want 70", got)
	}
	waitFor(t, "the pending charges applied", func() bool { e, i := m.pending(); return e == 0 && i == 0 })
}

// TestBalanceRebuiltFromTheLedger: Redis flushed, or restarted without
// its data, forgets every balance; the next hold seeds it from the
// ledger (recharges, purchases, charges), so it is not whole again.
func TestBalanceRebuiltFromTheLedger(t *testing.T) {
	m := newMoney(t, 100)
	c := m.counter(nil)
	ctx := context.Background()
	m.buy(t, c, 20, false)
	for range 3 {
		if ok, err := m.call(c, 10); !ok || err != nil {
			t.Fatalf("call: %v, %v", ok, err)
		}
	}
	if got := m.remaining(c); got != 50 {
		t.Fatalf("remaining %d before the flush, want 50", got)
	}
	if err := m.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if got := m.remaining(c); got != 50 {
		t.Errorf("remaining %d after FLUSHALL, want the ledger's 50", got)
	}
	if ok, err := m.call(c, 10); !ok || err != nil {
		t.Fatalf("call after the flush: %v, %v", ok, err)
	}

	m.redis.Stop()
	m.redis.Restart() // empty
	other := m.counter(nil)
	if got := m.remaining(other); got != 40 {
		t.Errorf("remaining %d after a restart of Redis without its data, want the ledger's 40", got)
	}
	if _, spent := m.rows(); spent != 60 {
		t.Errorf("the ledger says %d spent, want 60", spent)
	}
}

// buy is a purchase of price as the admin API makes one in cluster
// mode: a hold made pending in the store's transaction, which writes the
// ledger row, and Resolve after it. fail makes the transaction fail after
// the payment is pending; resolve false leaves it to the sweeper, as a
// node that died after the transaction would.
func (m *money) buy(t testing.TB, c *rediscounter.Counter, price int64, fail bool, resolve ...bool) error {
	t.Helper()
	ctx := context.Background()
	g := model.Group{Name: "shop" + randomSuffix()}
	g.ApplyDefaults()
	g, err := m.st.CreateGroup(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.st.CreatePlan(ctx, model.Plan{GroupID: g.ID, Name: "pack", PricePerCall: price / 10, TotalCalls: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Seeded outside the transaction, as the admin API does: a seed
	// waits for the store's lock, which the transaction holds.
	m.remaining(c)
	var ref string
	_, _, err = m.st.Purchase(ctx, m.pin, p.ID, func(price model.Money, r string) error {
		hold, err := c.Reserve(ctx, m.balance(), price, time.Minute)
		if err != nil {
			return err
		}
		if !hold.Granted {
			return errNoBalance
		}
		if err := c.Pend(ctx, hold, r); err != nil {
			return err
		}
		ref = r
		if fail {
			return errFailed
		}
		return nil
	})
	if ref != "" && (len(resolve) == 0 || resolve[0]) {
		if rerr := c.Resolve(ctx, m.pin, ref); rerr != nil {
			t.Fatal(rerr)
		}
	}
	return err
}

var (
	errNoBalance = errors.New("no balance")
	errFailed    = errors.New("the transaction failed")
)

var suffix atomic.Int64

func randomSuffix() string { return strconv.FormatInt(suffix.Add(1), 10) }

// TestPurchasePaymentCommitsWithItsRow: a purchase's payment is taken
// while its transaction runs and stays taken exactly when the
// transaction committed its ledger row, whether the buying node settles
// it (Resolve) or dies first and the sweeper does.
func TestPurchasePaymentCommitsWithItsRow(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fail    bool
		resolve bool
		want    int64 // remaining
	}{
		{"committed, resolved", false, true, 70},
		{"rolled back, resolved", true, true, 100},
		{"committed, node died", false, false, 70},
		{"rolled back, node died", true, false, 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newMoney(t, 100)
			c := m.counter(nil)
			err := m.buy(t, c, 30, tt.fail, tt.resolve)
			if (err != nil) != tt.fail {
				t.Fatalf("purchase: %v", err)
			}
			if !tt.resolve {
				if got := m.remaining(c); got != 70 {
					t.Errorf("remaining %d while the payment is pending, want 70", got)
				}
				if _, err := m.counter(nil).Sweep(context.Background(), 0); err != nil {
					t.Fatal(err)
				}
			}
			if got := m.remaining(c); got != tt.want {
				t.Errorf("remaining %d, want %d", got, tt.want)
			}
			if _, spent := m.rows(); spent != 100-tt.want {
				t.Errorf("the ledger says %d spent, want %d", spent, 100-tt.want)
			}
			if e, i := m.pending(); e != 0 || i != 0 {
				t.Errorf("left pending: %d entries, %d in the index", e, i)
			}
		})
	}
}

// failingLedger refuses every write, as a PostgreSQL that cannot be
// reached or a node killed before its batch was written.
type failingLedger struct{ *Ledger }

func (failingLedger) Write(context.Context, []limit.LedgerCharge, func([]bool)) error {
	return errors.New("the ledger cannot be reached")
}

// noApply commits its writes and never applies them: a node killed
// between the commit and Redis.
type noApply struct{ *Ledger }

func (l noApply) Write(ctx context.Context, c []limit.LedgerCharge, _ func([]bool)) error {
	return l.Ledger.Write(ctx, c, func([]bool) {})
}

// gatedLedger writes once release is closed.
type gatedLedger struct {
	*Ledger
	release chan struct{}
}

func (l gatedLedger) Write(ctx context.Context, c []limit.LedgerCharge, apply func([]bool)) error {
	<-l.release
	return l.Ledger.Write(ctx, c, apply)
}

// TestCrashPoints: a node dies at each point of a charge's way; another
// node's sweeper (or the ledger's rebuild) finishes it, and the balance
// in Redis and the ledger agree: never charged twice, never whole again.
func TestCrashPoints(t *testing.T) {
	ctx := context.Background()
	t.Run("after the Redis commit, before the ledger's", func(t *testing.T) {
		m := newMoney(t, 100)
		dead := m.counter(failingLedger{m.ledger})
		if ok, err := m.call(dead, 10); ok || !errors.Is(err, limit.ErrUnavailable) {
			t.Fatalf("a charge the ledger did not take: told %v, %v; want ErrUnavailable", ok, err)
		}
		if _, err := dead.Reserve(ctx, m.balance(), 10, 0); !errors.Is(err, limit.ErrUnavailable) {
			t.Errorf("a hold while the ledger refuses charges: %v, want ErrUnavailable before the backend is called", err)
		}
		dead.Close()
		sweeper := m.counter(nil)
		if n, err := sweeper.Sweep(ctx, 0); n != 1 || err != nil {
			t.Fatalf("Sweep: %d, %v; want the dead node's charge", n, err)
		}
		if n, spent := m.rows(); n != 1 || spent != 10 {
			t.Errorf("ledger: %d rows, %d spent; want the swept charge", n, spent)
		}
		if got := m.remaining(sweeper); got != 90 {
			t.Errorf("remaining %d, want 90", got)
		}
		if e, i := m.pending(); e != 0 || i != 0 {
			t.Errorf("left pending: %d entries, %d in the index", e, i)
		}
	})
	t.Run("after the ledger's commit, before Redis's apply", func(t *testing.T) {
		m := newMoney(t, 100)
		dead := m.counter(noApply{m.ledger})
		if ok, err := m.call(dead, 10); !ok || err != nil {
			t.Fatalf("call: %v, %v", ok, err)
		}
		dead.Close()
		sweeper := m.counter(nil)
		if _, err := sweeper.Sweep(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if n, spent := m.rows(); n != 1 || spent != 10 {
			t.Errorf("ledger: %d rows, %d spent; want one row of 10", n, spent)
		}
		if got := m.remaining(sweeper); got != 90 {
			t.Errorf("remaining %d, want 90: charged once", got)
		}
		if e, i := m.pending(); e != 0 || i != 0 {
			t.Errorf("left pending: %d entries, %d in the index", e, i)
		}
	})
	t.Run("Redis restarts from a file that lost its last writes", func(t *testing.T) {
		// appendfsync everysec: a crash of Redis's machine loses about
		// a second of writes, and Redis starts again with the rest.
		m := newMoney(t, 100)
		c := m.counter(nil)
		if ok, err := m.call(c, 10); !ok || err != nil {
			t.Fatalf("call: %v, %v", ok, err)
		}
		keys := []string{"tollgate:q:{balance:payer}", "tollgate:q:{balance:payer}:h", "tollgate:q:{balance:payer}:n"}
		dumps := map[string]string{}
		for _, k := range keys {
			if d, err := m.rdb.Dump(ctx, k).Result(); err == nil {
				dumps[k] = d
			}
		}
		for range 2 {
			if ok, err := m.call(c, 10); !ok || err != nil {
				t.Fatalf("call: %v, %v", ok, err)
			}
		}
		// LASTSAVE counts seconds: the new run must start in another.
		time.Sleep(1100 * time.Millisecond)
		m.redis.Stop()
		m.redis.Restart()
		for k, d := range dumps {
			if err := m.rdb.RestoreReplace(ctx, k, 0, d).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if got := m.remaining(m.counter(nil)); got != 70 {
			t.Errorf("remaining %d after Redis restarted without its last two charges, want the ledger's 70", got)
		}
	})
	t.Run("Redis loses its data between the commit in Redis and the ledger's", func(t *testing.T) {
		m := newMoney(t, 100)
		gate := gatedLedger{m.ledger, make(chan struct{})}
		slow := m.counter(gate)
		r, err := slow.Reserve(ctx, m.balance(), 10, 0)
		if err != nil || slow.Commit(ctx, r) != nil {
			t.Fatalf("commit: %v", err)
		}
		if err := m.rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		other := m.counter(nil)
		if got := m.remaining(other); got != 100 {
			t.Fatalf("remaining %d seeded from the ledger, want 100 (the charge is not a row yet)", got)
		}
		close(gate.release)
		if err := slow.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		// The row was written after the seed, and the pending entry
		// went with the flush: the writer adds the charge itself.
		waitFor(t, "the charge counted in the seeded balance", func() bool { return m.remaining(other) == 90 })
		if _, spent := m.rows(); spent != 10 {
			t.Errorf("the ledger says %d spent, want 10", spent)
		}
	})
}

// TestBalanceCountedBeforeTheLedger: a cluster upgraded to the ledger
// keeps what Redis counted before (per-call charges were Redis's alone):
// the first seed writes it as an opening row, so that no rebuild gives
// the money back.
func TestBalanceCountedBeforeTheLedger(t *testing.T) {
	m := newMoney(t, 100)
	ctx := context.Background()
	// A balance as reserve.lua wrote it before the ledger: no gen.
	if err := m.rdb.HSet(ctx, "tollgate:q:{balance:payer}", "period", "0", "end", "-1", "used", "45", "held", "0").Err(); err != nil {
		t.Fatal(err)
	}
	c := m.counter(nil)
	if got := m.remaining(c); got != 55 {
		t.Errorf("remaining %d on the balance counted before the ledger, want 55", got)
	}
	if _, spent := m.rows(); spent != 45 {
		t.Errorf("the ledger says %d spent, want the opening 45", spent)
	}
	if err := m.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if got := m.remaining(c); got != 55 {
		t.Errorf("remaining %d rebuilt from the ledger, want 55", got)
	}
}

// countingLedger counts seeds.
type countingLedger struct {
	*Ledger
	seeds *atomic.Int64
}

func (l countingLedger) Seed(ctx context.Context, pin string, seed func(int64, limit.LedgerSeed) error) error {
	l.seeds.Add(1)
	return l.Ledger.Seed(ctx, pin, seed)
}

// TestSnapshotKeepsBalances: an RDB snapshot moves LASTSAVE as a restart
// does, but the run id tells them apart: a balance is seeded once, not
// again after each snapshot.
func TestSnapshotKeepsBalances(t *testing.T) {
	m := newMoney(t, 100)
	var seeds atomic.Int64
	c := m.counter(countingLedger{m.ledger, &seeds})
	ctx := context.Background()
	if ok, err := m.call(c, 10); !ok || err != nil {
		t.Fatalf("call: %v, %v", ok, err)
	}
	time.Sleep(1100 * time.Millisecond) // LASTSAVE counts seconds
	if err := m.rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := m.call(c, 10); !ok || err != nil {
		t.Fatalf("call: %v, %v", ok, err)
	}
	if got := m.remaining(c); got != 80 || seeds.Load() != 1 {
		t.Errorf("remaining %d after %d seeds; want 80 after one", got, seeds.Load())
	}
}

// TestChargesAndPurchasesNeverOverspend: calls charged through two nodes
// and purchases made at once on one balance never spend more than its
// credit, and Redis's balance and the ledger agree at the end.
func TestChargesAndPurchasesNeverOverspend(t *testing.T) {
	const credit = 500
	m := newMoney(t, credit)
	nodes := []*rediscounter.Counter{m.counter(nil), m.counter(nil)}
	var calls, purchases atomic.Int64
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			for range 5 {
				ok, err := m.call(nodes[i%2], 7)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					calls.Add(1)
				}
			}
		})
	}
	for i := range 8 {
		wg.Go(func() {
			if err := m.buy(t, nodes[i%2], 40, false); err == nil {
				purchases.Add(1)
			} else if !errors.Is(err, errNoBalance) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, n := range nodes {
		if _, err := n.Sweep(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
	}
	spent := 7*calls.Load() + 40*purchases.Load()
	if spent > credit {
		t.Fatalf("spent %d of a credit of %d (%d calls, %d purchases)", spent, credit, calls.Load(), purchases.Load())
	}
	if _, ledger := m.rows(); ledger != spent {
		t.Errorf("the ledger says %d spent, the callers were told of %d", ledger, spent)
	}
	waitFor(t, "Redis's balance and the ledger agree", func() bool { return m.remaining(nodes[0]) == credit-spent })
	t.Logf("%d calls, %d purchases: %d of %d spent", calls.Load(), purchases.Load(), spent, credit)
}

// BenchmarkChargedCall is a charged call's counting: a hold on the
// balance, its commit, and the Sync before the answer, from 64 callers at
// once. "ledger" waits for the charge's row in PostgreSQL (group commit:
// one INSERT per batch); "redis" is the engine without a ledger, whose
// Sync waits for nothing, for comparison.
func BenchmarkChargedCall(b *testing.B) {
	m := newMoney(b, model.MaxMoney)
	for _, bb := range []struct {
		name   string
		ledger limit.Ledger
	}{{"redis", nil}, {"ledger", m.ledger}} {
		b.Run(bb.name, func(b *testing.B) {
			rdb := redis.NewClient(&redis.Options{Addr: m.redis.Addr()})
			o := rediscounter.Options{Prefix: bb.name + ":"}
			if bb.ledger != nil {
				o.Ledger = bb.ledger
			}
			c, err := rediscounter.New(rdb, o)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			_, before := m.rows()
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if ok, err := m.call(c, 1); !ok || err != nil {
						b.Errorf("call: %v, %v", ok, err)
						return
					}
				}
			})
			b.StopTimer()
			if n := c.LedgerBatches(); n > 0 {
				_, after := m.rows()
				b.ReportMetric(float64(after-before)/float64(n), "charges/batch")
			}
		})
	}
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

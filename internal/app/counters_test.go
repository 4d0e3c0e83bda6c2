package app

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/limit/rediscounter"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/redistest"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// fakeMoneyStore is a store's data directory id and money.
type fakeMoneyStore struct {
	id    string
	money int
}

func (s *fakeMoneyStore) DataID(context.Context) (string, error) { return s.id, nil }

func (s *fakeMoneyStore) StampDataID(_ context.Context, id string) error {
	s.id = id
	return nil
}

func (s *fakeMoneyStore) ClaimDataID(_ context.Context, id string) (string, error) {
	if s.id == "" {
		s.id = id
	}
	return s.id, nil
}

func (s *fakeMoneyStore) Money(context.Context) (int, int, error) { return s.money, 0, nil }

// unusedLedger is a ledger no test here writes to.
type unusedLedger struct{ limit.Ledger }

// TestRedisCountersBelongToTheStore: a node refuses Redis counters that
// are another store's, or empty while its store holds money and no ledger
// to rebuild the balances from (every balance would be whole again), and
// otherwise claims them for its store.
func TestRedisCountersBelongToTheStore(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		redisID   string // claimed before the node starts
		store     fakeMoneyStore
		ledger    bool // balances of record in a ledger, rebuilt from it
		wantErr   string
		wantStamp string
	}{
		{"a new store, an empty Redis", "", fakeMoneyStore{}, false, "", "*"},
		{"a store without money, an empty Redis", "", fakeMoneyStore{id: "A"}, false, "", "A"},
		{"a store with money, an empty Redis", "", fakeMoneyStore{id: "A", money: 2}, false, "every balance would be whole again", ""},
		{"a store with money and a ledger, an empty Redis", "", fakeMoneyStore{id: "A", money: 2}, true, "", "A"},
		{"the store's Redis", "A", fakeMoneyStore{id: "A", money: 2}, false, "", "A"},
		{"another store's Redis", "B", fakeMoneyStore{id: "A"}, true, "belong to data directory B, the store to A", ""},
		{"a new store joins a Redis", "B", fakeMoneyStore{}, false, "", "B"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := rediscounter.Options{Prefix: "case" + strconv.Itoa(i) + ":"}
			if c.ledger {
				o.Ledger = unusedLedger{}
			}
			ctr, err := rediscounter.Open(ctx, "redis://"+addr+"/0", o)
			if err != nil {
				t.Fatal(err)
			}
			defer ctr.Close()
			if c.redisID != "" {
				ctr.ClaimDataID(ctx, c.redisID)
			}
			st := c.store
			err = claimCounters(ctx, ctr, &st)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, c.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			have, _ := ctr.DataID(ctx)
			if st.id == "" || have != st.id || (c.wantStamp != "*" && have != c.wantStamp) {
				t.Errorf("store stamped %q, Redis %q; want both %q", st.id, have, c.wantStamp)
			}
		})
	}
}

// TestNodesShareAStoreAndRedis: nodes started at once on a new PostgreSQL
// store and an empty Redis (serve --store ... --counters ...) agree on one
// data directory id, in the store and in Redis, and count as one: a quota
// reserved through one node is spent on the others.
func TestNodesShareAStoreAndRedis(t *testing.T) {
	dsn := pgtest.Start(t)
	redisURL := "redis://" + redistest.Start(t) + "/0"
	root := t.TempDir()
	key := secret.NewKey()
	const n = 3
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		dir := filepath.Join(root, string(rune('a'+i)))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, secret.KeyFileName), []byte(key+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			s, err := Start(context.Background(), Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: dir,
				Store: dsn, Counters: redisURL, ClusterNodes: n, Demo: true})
			if err == nil {
				t.Cleanup(func() { s.Shutdown(context.Background()) })
			}
			servers[i], errs[i] = s, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if _, err := os.Stat(filepath.Join(root, string(rune('a'+i)), CountersDir)); !os.IsNotExist(err) {
			t.Errorf("node %d opened a counters journal in its data directory (%v)", i, err)
		}
	}
	ctx := context.Background()
	storeID, err := servers[0].store.(moneyStore).DataID(ctx)
	if err != nil || storeID == "" {
		t.Fatalf("store's data id %q, %v", storeID, err)
	}
	for i, s := range servers {
		if id, err := s.counter.(*rediscounter.Counter).DataID(ctx); err != nil || id != storeID {
			t.Errorf("node %d: Redis's data id %q (%v), want the store's %q", i, id, err, storeID)
		}
	}
	q := limit.Quota{Key: limit.Key{Scope: "sub total", ID: "s1"}, Limit: 2, Period: limit.Total}
	for i, s := range servers {
		r, err := s.counter.Reserve(ctx, q, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := i < 2; r.Granted != want {
			t.Errorf("node %d: granted %v, want %v (a quota of 2 across the nodes)", i, r.Granted, want)
		}
	}
}

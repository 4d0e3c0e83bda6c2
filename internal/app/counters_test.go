package app

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/limit/rediscounter"
	"github.com/tollgate-gw/tollgate/internal/redistest"
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

func (s *fakeMoneyStore) Money(context.Context) (int, int, error) { return s.money, 0, nil }

// TestRedisCountersBelongToTheStore: a node refuses Redis counters that
// are another store's, or empty while its store holds money (every balance
// would be whole again), and otherwise claims them for its store.
func TestRedisCountersBelongToTheStore(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		redisID   string // claimed before the node starts
		store     fakeMoneyStore
		wantErr   string
		wantStamp string
	}{
		{"a new store, an empty Redis", "", fakeMoneyStore{}, "", "*"},
		{"a store without money, an empty Redis", "", fakeMoneyStore{id: "A"}, "", "A"},
		{"a store with money, an empty Redis", "", fakeMoneyStore{id: "A", money: 2}, "every balance would be whole again", ""},
		{"the store's Redis", "A", fakeMoneyStore{id: "A", money: 2}, "", "A"},
		{"another store's Redis", "B", fakeMoneyStore{id: "A"}, "belong to data directory B, the store to A", ""},
		{"a new store joins a Redis", "B", fakeMoneyStore{}, "", "B"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctr, err := rediscounter.Open(ctx, "redis://"+addr+"/0", rediscounter.Options{Prefix: "case" + strconv.Itoa(i) + ":"})
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

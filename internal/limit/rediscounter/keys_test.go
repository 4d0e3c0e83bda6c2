package rediscounter

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// TestKeyLayout checks the keys each method writes, as docs/cluster.md
// lists them, and their expiry: a nonce lives its ttl, a window a little
// more than its period, a daily quota past its day, a balance for ever.
func TestKeyLayout(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	c := newTestCounter(t, addr, Options{})
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()

	c.Allow(ctx, limit.Key{Scope: "api", ID: "g1/online/getUser"}, limit.PerMinute(10), 1)
	c.Once(ctx, limit.Key{Scope: "AK1", ID: "n-1"}, 10*time.Minute)
	c.Reserve(ctx, limit.Quota{Key: limit.Key{Scope: limit.BalanceScope, ID: "pin1"}, Limit: 100, Period: limit.Total}, 5, time.Minute)
	c.Reserve(ctx, limit.Quota{Key: limit.Key{Scope: "sub daily", ID: "s:1"}, Limit: 100, Period: limit.Daily(time.UTC)}, 1, time.Minute)
	c.Add(ctx, limit.UsageKey{AccessKey: "AK1", Pin: "pin1", Group: "g1", API: "getUser", Env: "online"}, limit.Usage{Calls: 1, OK: 1})
	hour := strconv.FormatInt(time.Now().Unix()/3600, 10)

	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	wantTTL := map[string][2]time.Duration{ // key -> [min, max] time to live; 0 for none
		"tollgate:n:{AK1:n-1}":                {9 * time.Minute, 10 * time.Minute},
		"tollgate:q:{balance:pin1}":           {-1, -1},
		"tollgate:q:{balance:pin1}:h":         {-1, -1},
		"tollgate:q:{balance:pin1}:n":         {-1, -1},
		"tollgate:q:{sub daily:s:1}":          {time.Hour, 26 * time.Hour},
		"tollgate:q:{sub daily:s:1}:h":        {time.Hour, 26 * time.Hour},
		"tollgate:q:{sub daily:s:1}:n":        {time.Hour, 26 * time.Hour},
		"tollgate:rl:{api:g1/online/getUser}": {time.Minute, time.Minute + 2*time.Second},
		"tollgate:u:{p:pin1}:" + hour:         {35 * 24 * time.Hour, 36 * 24 * time.Hour},
	}
	var want []string
	for k := range wantTTL {
		want = append(want, k)
	}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Fatalf("keys:\ngot  %q\nwant %q", keys, want)
	}
	for k, r := range wantTTL {
		ttl, err := rdb.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl < r[0] || ttl > r[1] {
			t.Errorf("%s lives %v, want in [%v, %v]", k, ttl, r[0], r[1])
		}
	}
	// A scope with a colon cannot pass for another counter's.
	if got, want := tag(limit.Key{Scope: "a:b", ID: "c"}), "{a%3Ab:c}"; got != want {
		t.Errorf("tag %q, want %q", got, want)
	}
}

// TestOnceExpiresOnRedisClock: a nonce is forgotten when its ttl has run
// out on Redis's clock, and not before.
func TestOnceExpiresOnRedisClock(t *testing.T) {
	addr := redistest.Start(t)
	ctx := context.Background()
	c := newTestCounter(t, addr, Options{})
	k := limit.Key{Scope: "AK", ID: "n"}
	const ttl = 50 * time.Millisecond
	if fresh, err := c.Once(ctx, k, ttl); !fresh || err != nil {
		t.Fatalf("first use: %v, %v", fresh, err)
	}
	if fresh, _ := c.Once(ctx, k, ttl); fresh {
		t.Fatal("replay accepted within ttl")
	}
	// Wait for Redis to drop the key, rather than for a time of ours.
	for c.rdb.Exists(ctx, c.nonceKey(k)).Val() == 1 {
		time.Sleep(5 * time.Millisecond)
	}
	if fresh, _ := c.Once(ctx, k, ttl); !fresh {
		t.Fatal("not forgotten after its ttl")
	}
}

func TestUsageFieldRoundTrip(t *testing.T) {
	for _, k := range []limit.UsageKey{
		{},
		{AccessKey: "AK1", Group: "g1", API: "getUser", Env: "online"},
		{AccessKey: "1:a", Group: "2:bb", API: "", Env: "x:y:z"},
		{AccessKey: "é", Group: "}{", API: "a b", Env: "test"},
	} {
		for _, letter := range []byte("comb") {
			got, l, ok := parseUsageField(usageField(k) + string(letter))
			if !ok || got != k || l != letter {
				t.Errorf("%+v %c: parsed %+v %c %v", k, letter, got, l, ok)
			}
		}
	}
	for _, bad := range []string{"", "3:AK", "x:AK", "1:a1:b1:c1:dcc", "1:a1:b1:c1:d"} {
		if _, _, ok := parseUsageField(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

package rediscounter

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/limit/countertest"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// TestConformance runs the Counter conformance suite against Redis: the
// decisions limit.Memory makes, made by the scripts.
func TestConformance(t *testing.T) {
	addr := redistest.Start(t)
	var n atomic.Int64
	countertest.Run(t, countertest.Harness{New: func(t *testing.T, clock limit.Clock) limit.Counter {
		// One server, a prefix per counter: nothing shared.
		return newTestCounter(t, addr, Options{Prefix: "t" + strconv.FormatInt(n.Add(1), 10) + ":", Clock: clock})
	}})
}

// TestConformanceCluster runs the suite on a Redis Cluster, which refuses
// a script whose keys are not all in one slot: every key of a counter must
// share its hash tag.
func TestConformanceCluster(t *testing.T) {
	addr := redistest.StartCluster(t)
	var n atomic.Int64
	countertest.Run(t, countertest.Harness{New: func(t *testing.T, clock limit.Clock) limit.Counter {
		rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
		c, err := New(rdb, Options{Prefix: "c" + strconv.FormatInt(n.Add(1), 10) + ":", Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}})
}

// TestConformanceAutoPipeline runs the suite with commands sent through
// go-redis's autopipeliner.
func TestConformanceAutoPipeline(t *testing.T) {
	addr := redistest.Start(t)
	var n atomic.Int64
	countertest.Run(t, countertest.Harness{New: func(t *testing.T, clock limit.Clock) limit.Counter {
		return newTestCounter(t, addr, Options{Prefix: "a" + strconv.FormatInt(n.Add(1), 10) + ":", Clock: clock, AutoPipeline: true})
	}})
}

// newTestCounter returns a Counter on its own client of addr, closed when
// t ends.
func newTestCounter(t testing.TB, addr string, o Options) *Counter {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	c, err := New(rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

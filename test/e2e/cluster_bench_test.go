package e2e

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/redistest"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// BenchmarkClusterPropagation measures issue 12's target for a cluster of
// three `tollgate serve` processes (the binary built without the race
// detector) on one PostgreSQL and one Redis: each iteration is one change
// made through node A, timed from A's answer until B, and then C, serves
// it. Run over 200 changes by `make bench-cluster` (-benchtime 200x); it
// reports the p50, p90, p99 and maximum for B, for C, and for the later of
// the two.
func BenchmarkClusterPropagation(b *testing.B) {
	c := startCluster(b, binaryOf(b, false), 3)
	p := newPropagator(b, c.nodes[0], c.nodes[1:])
	var toB, toC, both []time.Duration
	for b.Loop() {
		took := p.change(b)
		toB, toC, both = append(toB, took[0]), append(toC, took[1]), append(both, slices.Max(took))
	}
	for _, r := range []struct {
		name string
		took []time.Duration
	}{{"B", toB}, {"C", toC}, {"both", both}} {
		d := distributionOf(r.took)
		b.Logf("%d changes made through A, served by %s after: %v", len(r.took), r.name, d)
		d.report(b, r.name)
	}
}

// BenchmarkClusterSimulation is the small simulation of docs/cluster.md
// ("Past one cluster"): n nodes started in this process by app.Start on
// one PostgreSQL and one Redis, for n of 3, 12 and 20. Each iteration is
// one change made through the first node, timed until each other node
// serves it; polling is off (--reload-every -1), so that every reload is
// a notification's. After the iterations it measures, and reports:
//
//   - the PostgreSQL transactions a change costs the whole cluster (the
//     write and every node's reload), from pg_stat_database;
//   - limit accuracy: the calls admitted of 3L sent over the nodes against
//     a key limit of L with Redis (exactly L, or the benchmark fails);
//   - the Redis commands and Redis CPU time of one metered call (a
//     signature and its nonce, three rate limits, a daily quota, usage),
//     from INFO commandstats;
//   - the heap each node holds per deployed API and per key, from the
//     growth of this process's live heap divided by n;
//   - with Redis stopped, the same: each node admits L/n on its own; and
//     once Redis is back, empty, the time until every node counts in it
//     again, and the limit exact again (or the benchmark fails).
//
// Every node, PostgreSQL and Redis share the machine's CPUs: the figures
// of 12 and 20 nodes include their contention, which a real cluster of
// separate machines does not have.
func BenchmarkClusterSimulation(b *testing.B) {
	for _, n := range []int{3, 12, 20} {
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) { simulate(b, n) })
	}
}

func simulate(b *testing.B, n int) {
	const keyLimit = 100 // L
	dsn := pgtest.Start(b)
	rs := redistest.StartServer(b)
	b.Setenv(secret.EnvMasterKey, secret.NewKey())
	nodes := make([]*server, n)
	for i := range nodes {
		nodes[i] = start(b, app.Config{Store: dsn, Counters: "redis://" + rs.Addr() + "/0", ClusterNodes: n,
			ReloadEvery: -1})
		nodes[i].token = nodes[0].token
	}
	a := nodes[0]
	p := newPropagator(b, a, nodes[1:])

	xacts := pgTransactions(b, dsn)
	var each, all []time.Duration
	for b.Loop() {
		took := p.change(b)
		each, all = append(each, took...), append(all, slices.Max(took))
	}
	perChange := float64(pgTransactions(b, dsn)-xacts) / float64(len(all))
	d := distributionOf(each)
	b.Logf("%d nodes, %d changes: served by each other node after %v; by all of them after %v; %.1f PostgreSQL transactions a change",
		n, len(all), d, distributionOf(all), perChange)
	d.report(b, "each")
	distributionOf(all).report(b, "all")
	b.ReportMetric(perChange, "pg-xacts/change")

	k := newSigner(a, "acme")
	limited := guarded(a, "limited", k.ak, keyLimit, 0)
	metered := guarded(a, "metered", k.ak, 1_000_000_000, 1_000_000_000)
	p.change(b) // every node serves both once it serves this
	call := func(host string) call {
		return func(client *http.Client, data string) (int, []byte, error) { return k.get(client, data, host, "/ping") }
	}
	admitted := total(burst(nodes, 3*keyLimit, 4*n, call(limited)), 200)
	if admitted != keyLimit {
		b.Errorf("%d nodes: %d calls against a key limit of %d: %d admitted, want exactly %d",
			n, 3*keyLimit, keyLimit, admitted, keyLimit)
	}
	b.ReportMetric(float64(admitted)/keyLimit, "admitted/L")

	const calls = 600
	before := redisCommands(b, rs.Addr())
	got := burst(nodes, calls, 4*n, call(metered))
	if ok := total(got, 200); ok != calls {
		b.Fatalf("metered calls: %d of %d answered 200: %v", ok, calls, got)
	}
	rc := redisCommands(b, rs.Addr()).minus(before)
	b.Logf("a metered call: %.2f Redis commands sent (%.1f more run by their scripts), %.1f µs of Redis's time",
		float64(rc.sent)/calls, float64(rc.inScripts)/calls, float64(rc.usec)/calls)
	b.ReportMetric(float64(rc.sent)/calls, "redis-cmds/call")
	b.ReportMetric(float64(rc.usec)/calls, "redis-µs/call")

	const groups, apisPerGroup, accounts, keysPerAccount = 10, 20, 20, 25
	heap0 := liveHeap()
	for g := range groups {
		publishAPIs(a, fmt.Sprintf("sized-%d", g), apisPerGroup)
	}
	p.change(b)
	heap1 := liveHeap()
	for i := range accounts {
		pin := fmt.Sprintf("sized-%d", i)
		a.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": pin, "name": pin})
		for range keysPerAccount {
			a.mustCall(201, "POST", "/v1/accounts/"+pin+"/keys", nil)
		}
	}
	p.change(b)
	heap2 := liveHeap()
	perAPI := float64(heap1-heap0) / float64(n*groups*apisPerGroup)
	perKey := float64(heap2-heap1) / float64(n*accounts*keysPerAccount)
	b.Logf("heap per node: %.0f B per deployed API, %.0f B per key", perAPI, perKey)
	b.ReportMetric(perAPI, "B/api/node")
	b.ReportMetric(perKey, "B/key/node")

	// Redis stopped: each node admits L/n on its own. The key's window in
	// Redis does not count, so the limit is whole again.
	rs.Stop()
	got = burst(nodes, 3*keyLimit, 4*n, call(limited))
	down := total(got, 200)
	if bad := total(got, 500); bad > 0 {
		b.Errorf("%d nodes with Redis down: %d answers 500", n, bad)
	}

	// Redis back, empty: a fresh window, exact again once every node
	// counts in Redis.
	rs.Restart()
	back := awaitCountersUp(b, nodes, time.Now())
	again := total(burst(nodes, 3*keyLimit, 4*n, call(limited)), 200)
	if again != keyLimit {
		b.Errorf("%d nodes, Redis back: %d admitted of a key limit of %d, want exactly %d", n, again, keyLimit, keyLimit)
	}
	b.Logf("a key limit of %d over %d nodes: %d admitted with Redis, %d with Redis down, %d once every node counted in Redis again, %v after its return",
		keyLimit, n, admitted, down, again, back.Round(time.Millisecond))
	b.ReportMetric(float64(down)/keyLimit, "admitted/L-redis-down")
	b.ReportMetric(float64(back)/float64(time.Millisecond), "redis-return-ms")
}

// publishAPIs publishes through s a group of apis APIs, each with a path
// of its own, deployed online with a mock backend.
func publishAPIs(s *server, name string, apis int) {
	s.t.Helper()
	g := s.mustCall(201, "POST", "/v1/groups", map[string]any{"name": name})["groupId"].(string)
	for i := range apis {
		s.mustCall(201, "POST", "/v1/groups/"+g+"/apis",
			map[string]any{"name": fmt.Sprintf("api-%d", i), "method": "GET", "path": fmt.Sprintf("/items/%d", i)})
	}
	s.mustCall(200, "PUT", "/v1/groups/"+g+"/backends/online", map[string]any{"type": "mock", "status": 200, "body": `{}`})
	s.mustCall(201, "POST", "/v1/groups/"+g+"/revisions", map[string]any{"revision": "1.0.0"})
	s.mustCall(201, "POST", "/v1/groups/"+g+"/deployments", map[string]any{"revision": "1.0.0", "environment": "online"})
}

// liveHeap returns the bytes of this process's heap that a collection
// leaves alive.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// pgTransactions returns the transactions committed and rolled back in
// dsn's database so far. A PostgreSQL backend publishes its counts when it
// goes idle, or up to 10 s later when it published less than a second
// before; this waits 11 s first.
func pgTransactions(b *testing.B, dsn string) int64 {
	b.Helper()
	time.Sleep(11 * time.Second)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	if err != nil {
		b.Fatal(err)
	}
	return n // with this query's own, one in 200 changes' hundreds
}

// commandStats is what INFO commandstats says of the commands a node
// sends (scripts and nonces) and of those its scripts run, which Redis
// counts too (and whose time is inside their script's).
type commandStats struct{ sent, inScripts, usec int64 }

func (s commandStats) minus(o commandStats) commandStats {
	return commandStats{s.sent - o.sent, s.inScripts - o.inScripts, s.usec - o.usec}
}

func redisCommands(b *testing.B, addr string) commandStats {
	b.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var s commandStats
	for _, line := range strings.Split(info, "\n") {
		name, fields, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var calls, usec int64
		for _, f := range strings.Split(fields, ",") {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "calls":
				calls, _ = strconv.ParseInt(v, 10, 64)
			case "usec":
				usec, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		switch strings.TrimPrefix(name, "cmdstat_") {
		case "evalsha", "eval", "set":
			s.sent += calls
			s.usec += usec
		case "ping", "info", "hello", "client|setinfo", "client|setname", "select", "command", "command|docs", "get", "setnx":
			// A client connecting or probing, the data id.
		default:
			s.inScripts += calls
		}
	}
	return s
}

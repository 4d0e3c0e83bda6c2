package e2e

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// TestCountersInRedis runs three gateways on one Redis (tollgate serve
// --counters redis://... --cluster-nodes 3) behind one traffic policy of L
// calls an hour: together they admit exactly L. With Redis stopped, no
// call is a 500: each node admits L/3 on its own, logs the outage once
// and reports it in tollgate_counters_up; with Redis back, the three are
// exact again.
func TestCountersInRedis(t *testing.T) {
	redis := redistest.StartServer(t)
	dir := t.TempDir()
	var logA syncBuf
	cfg := app.Config{DataDir: dir, Counters: "redis://" + redis.Addr() + "/0", ClusterNodes: 3}
	first := cfg
	first.Stderr = &logA
	a := start(t, first)
	g := a.publish(map[string]any{"name": "shared"},
		map[string]any{"name": "ping", "method": "GET", "path": "/ping"}, "test",
		map[string]any{"type": "mock", "status": 200, "body": `{"pong":true}`})
	host := g + "-test.localhost"
	const limit = 9
	pol := a.mustCall(201, "POST", "/v1/policies", map[string]any{
		"name": "hourly", "unit": "hour", "apiLimit": limit, "userLimit": 1, "keyLimit": 1})
	a.mustCall(201, "POST", "/v1/policies/"+pol["policyId"].(string)+"/bindings", map[string]any{"groupId": g, "environment": "test"})
	// Two more nodes of the same configuration and the same Redis.
	nodes := []*server{a, start(t, cfg), start(t, cfg)}

	// burst sends n calls spread over the nodes at once and counts the
	// answers by status.
	burst := func(n int) map[int]int {
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		var next atomic.Int64
		for w := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for int(next.Add(1)) <= n {
					r := nodes[w%3].get(host, "/ping")
					mu.Lock()
					got[r.status]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return got
	}
	if got := burst(3 * limit); got[200] != limit || got[429] != 2*limit {
		t.Fatalf("3 nodes, one Redis: %v, want exactly %d of 200 and %d of 429", got, limit, 2*limit)
	}

	redis.Stop()
	for i, s := range nodes {
		var got []int
		for range limit {
			got = append(got, s.get(host, "/ping").status)
		}
		want := []int{200, 200, 200, 429, 429, 429, 429, 429, 429} // L/3 each
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("node %d with Redis down: %v, want %v", i, got, want)
		}
	}
	if v := metric(t, a, "tollgate_counters_up"); v != "0" {
		t.Errorf("tollgate_counters_up %s with Redis down, want 0", v)
	}

	redis.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range nodes {
		for metric(t, s, "tollgate_counters_up") != "1" {
			if time.Now().After(deadline) {
				t.Fatal("a node did not see Redis back within 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Redis came back empty (it keeps nothing in this test): a fresh
	// window, counted exactly again.
	if got := burst(3 * limit); got[200] != limit || got[429] != 2*limit {
		t.Fatalf("after Redis returned: %v, want exactly %d of 200 and %d of 429", got, limit, 2*limit)
	}
	if n := strings.Count(logA.String(), "redis is down"); n != 1 {
		t.Errorf("%d log lines of the outage on node 0, want 1:\n%s", n, logA.String())
	}
	if n := strings.Count(logA.String(), "redis is back"); n != 1 {
		t.Errorf("%d log lines of the return on node 0, want 1:\n%s", n, logA.String())
	}
}

// metric returns the value of a metric without labels from s's /metrics.
func metric(t testing.TB, s *server, name string) string {
	t.Helper()
	v, err := metricValue(s, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// metricValue is metric for a goroutine: it returns its failure.
func metricValue(s *server, name string) (string, error) {
	resp, err := http.Get(s.admin + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("no %s in /metrics", name)
}

// awaitCountersUp polls every node's tollgate_counters_up at once until
// each says 1, and returns how long that took from since; it fails t
// after 10 s.
func awaitCountersUp(t testing.TB, nodes []*server, since time.Time) time.Duration {
	t.Helper()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, s := range nodes {
		wg.Go(func() {
			for {
				v, err := metricValue(s, "tollgate_counters_up")
				if err == nil && v == "1" {
					return
				}
				if time.Since(since) > 10*time.Second {
					errs[i] = fmt.Errorf("node %d does not count in Redis 10 s after its return (%q, %v)", i, v, err)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return time.Since(since)
}

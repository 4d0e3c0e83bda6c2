package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/reload"
)

// metric returns the value of the sample whose line starts with name in
// the admin listener's /metrics, or -1 when there is none.
func (d *debugServer) metric(name string) float64 {
	d.t.Helper()
	r := d.send(mustRequest(d.t, "GET", "http://"+d.s.AdminAddr().String()+"/metrics"))
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(r.raw)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		d.t.Fatalf("%s: %v", name, err)
	}
	return v
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestParallelWritesShareReloads: writes that arrive together are served
// by at most as many reloads as there are writes (reload_test.go in
// internal/reload shows the sharing itself), counted in the metrics, and
// each write's answer finds the data plane already serving it: its group
// is known at once, rather than an unknown host.
func TestParallelWritesShareReloads(t *testing.T) {
	d := startDebugServer(t)
	before := d.metric(`tollgate_config_reloads_total{result="ok"}`)
	const n = 24
	var wg sync.WaitGroup
	hosts := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := d.admin(nil, "POST", "/v1/groups", map[string]any{"name": fmt.Sprintf("burst-%d", i)})
			if g.status != 201 {
				t.Errorf("POST /v1/groups: %d %s", g.status, g.raw)
				return
			}
			id := g.body["groupId"].(string)
			hosts[i] = id + ".localhost"
			// The answer came: the data plane must know the group now.
			req := mustRequest(t, "GET", "http://"+d.s.Addr().String()+"/nothing")
			req.Host = hosts[i]
			resp, err := d.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// An unknown host is "not registered"; a known group with
			// nothing deployed says so in its own words.
			if strings.Contains(string(body), "APIGW_SERVICE_NOT_FOUND") {
				t.Errorf("right after its creation, %s answered %d %s, as an unknown host", hosts[i], resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	ran := d.metric(`tollgate_config_reloads_total{result="ok"}`) - before
	if ran < 1 || ran > n {
		t.Errorf("%d writes ran %v reloads, want between 1 and %d", n, ran, n)
	}
	t.Logf("%d parallel writes, %v reloads", n, ran)
}

// TestFailedReloadIsReported: while reloads fail, /readyz answers 503 with
// the cause and the metrics say so; the data plane keeps serving.
func TestFailedReloadIsReported(t *testing.T) {
	d := startDebugServer(t)
	ready := func() (int, string) {
		r := d.send(mustRequest(t, "GET", "http://"+d.s.AdminAddr().String()+"/readyz"))
		return r.status, r.raw
	}
	if st, body := ready(); st != 200 {
		t.Fatalf("/readyz = %d %s before any failure", st, body)
	}
	// The store becomes unreachable for reloads.
	s := d.s
	s.reloads.Close()
	s.reloads = reload.New(func(context.Context) error { return errors.New("store unreachable") },
		reload.Options{Observe: s.reloadMetrics.Observe, RetryMin: time.Hour})
	if err := s.reloads.Reload(context.Background()); err == nil {
		t.Fatal("the failing reload reported no error")
	}
	if st, body := ready(); st != 503 || !strings.Contains(body, "store unreachable") {
		t.Errorf("/readyz = %d %q while reloads fail, want 503 naming the cause", st, body)
	}
	if got := d.metric("tollgate_config_reload_failing"); got != 1 {
		t.Errorf("tollgate_config_reload_failing = %v, want 1", got)
	}
	if got := d.metric(`tollgate_config_reloads_total{result="failed"}`); got != 1 {
		t.Errorf(`tollgate_config_reloads_total{result="failed"} = %v, want 1`, got)
	}
	// The last snapshot still serves: the demo-less node knows no group,
	// and answers an unknown host in the jdcloud envelope, not a 5xx.
	req := mustRequest(t, "GET", "http://"+s.Addr().String()+"/")
	req.Host = "nobody.localhost"
	if r := d.send(req); r.status >= 500 {
		t.Errorf("the data plane answered %d while reloads fail", r.status)
	}
}

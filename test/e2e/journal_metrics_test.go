package e2e

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
)

// TestJournalMetrics: after successful calls, the admin /metrics shows
// where the counters journal spent their time: one Flush wait per call
// (each successful call's usage is flushed before it is answered), the
// writes they waited for and the fsyncs that followed (the periodic one,
// within 100 ms), as histograms whose buckets add up.
func TestJournalMetrics(t *testing.T) {
	s := start(t, app.Config{})
	g := s.publish(
		map[string]any{"name": "metered"},
		map[string]any{"name": "ping", "method": "GET", "path": "/ping"},
		"online",
		map[string]any{"type": "mock", "status": 200, "body": `{"pong":true}`},
	)
	const calls = 20
	for i := range calls {
		if r := s.get(g+".localhost", "/ping"); r.status != 200 {
			t.Fatalf("call %d: %d %s", i, r.status, r.body)
		}
	}
	var m map[string]float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m = scrape(t, s)
		if m["tollgate_journal_fsync_seconds_count"] >= 1 {
			break
		}
	}
	for _, tt := range []struct {
		name string
		min  float64
	}{
		{"tollgate_journal_flush_wait_seconds", calls},
		{"tollgate_journal_sync_wait_seconds", 0},
		{"tollgate_journal_write_seconds", 1},
		{"tollgate_journal_fsync_seconds", 1},
	} {
		count, ok := m[tt.name+"_count"]
		if !ok {
			t.Errorf("%s is not on /metrics", tt.name)
			continue
		}
		if count < tt.min {
			t.Errorf("%s_count = %v, want at least %v", tt.name, count, tt.min)
		}
		if inf := m[tt.name+`_bucket{le="+Inf"}`]; inf != count {
			t.Errorf("%s: +Inf bucket %v, count %v", tt.name, inf, count)
		}
		if sum := m[tt.name+"_sum"]; sum < 0 || math.IsNaN(sum) || math.IsInf(sum, 0) || (count > 0 && sum == 0 && tt.min > 0) {
			t.Errorf("%s_sum = %v for %v observations", tt.name, sum, count)
		}
	}
}

// scrape reads the admin /metrics into a map from series (name and
// labels, as written) to value.
func scrape(t *testing.T, s *server) map[string]float64 {
	t.Helper()
	r := s.do(mustRequest(t, "GET", s.admin+"/metrics", nil))
	if r.status != 200 {
		t.Fatalf("/metrics: %d", r.status)
	}
	m := map[string]float64{}
	for _, l := range strings.Split(string(r.body), "\n") {
		i := strings.LastIndexByte(l, ' ')
		if l == "" || l[0] == '#' || i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(l[i+1:], 64); err == nil {
			m[l[:i]] = v
		}
	}
	return m
}

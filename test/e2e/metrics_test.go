package e2e

import (
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// TestTailMetrics: after N calls to an http backend, the admin /metrics
// shows where each call's time went: every pipeline stage and the rest of
// the handler timed on one call in 16, the upstream connections the calls
// got (dialled or reused) and how long each waited, and the Go runtime's
// scheduling latencies, GC pauses and GC CPU.
func TestTailMetrics(t *testing.T) {
	const calls = 64
	s := start(t, app.Config{})
	echo := proxytest.Echo(t, "echo")
	g := s.publish(
		map[string]any{"name": "tail"},
		map[string]any{"name": "getItem", "method": "GET", "path": "/items"},
		"online",
		map[string]any{"type": "http", "urls": []string{echo.URL}},
	)
	for i := range calls {
		if r := s.get(g+".localhost", "/items"); r.status != 200 {
			t.Fatalf("call %d: got %d %s", i, r.status, r.body)
		}
	}

	// The last timed call is recorded as its handler returns, which may
	// be after its answer arrived: the counts follow within moments.
	var mfs map[string]*dto.MetricFamily
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mfs = s.metrics()
		if count(mfs, "tollgate_stage_duration_seconds", "stage", "rest") == calls/16 || time.Now().After(deadline) {
			break
		}
	}
	stages := []string{"accept", "resolve", "match", "authenticate", "replay", "identity", "authorize",
		"market", "traffic", "body", "validate", "outbound", "mapping", "proxy", "settle", "account", "rest"}
	for _, stage := range stages {
		if got := count(mfs, "tollgate_stage_duration_seconds", "stage", stage); got != calls/16 {
			t.Errorf("tollgate_stage_duration_seconds{stage=%q}: %v samples, want %d", stage, got, calls/16)
		}
	}
	// Only Tollgate's own HTTP/1.1 client reports its connections; under
	// TOLLGATE_UPSTREAM_CLIENT=std none is counted.
	want := float64(calls)
	if proxy.UpstreamClient() == proxy.UpstreamStd {
		want = 0
	}
	dialed := count(mfs, "tollgate_upstream_conns_total", "conn", "dialed")
	reused := count(mfs, "tollgate_upstream_conns_total", "conn", "reused")
	if dialed+reused != want || want > 0 && dialed < 1 {
		t.Errorf("tollgate_upstream_conns_total: %v dialed, %v reused; want at least 1 dialed, %v in all", dialed, reused, want)
	}
	if got := count(mfs, "tollgate_upstream_conn_wait_seconds", "conn", "dialed") +
		count(mfs, "tollgate_upstream_conn_wait_seconds", "conn", "reused"); got != want {
		t.Errorf("tollgate_upstream_conn_wait_seconds: %v samples, want %v", got, want)
	}
	for _, name := range []string{
		"go_sched_latencies_seconds",
		"go_sched_pauses_total_gc_seconds",
		"go_cpu_classes_gc_total_cpu_seconds_total",
		"go_gc_heap_goal_bytes",
	} {
		if mfs[name] == nil {
			t.Errorf("%s not exported", name)
		}
	}
}

// metrics scrapes the admin /metrics.
func (s *server) metrics() map[string]*dto.MetricFamily {
	s.t.Helper()
	r := s.do(mustRequest(s.t, "GET", s.admin+"/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(r.body)))
	if err != nil {
		s.t.Fatalf("/metrics: %v", err)
	}
	return mfs
}

// count returns the value of the counter, or the sample count of the
// histogram, of the series of family name whose label has value.
func count(mfs map[string]*dto.MetricFamily, name, label, value string) float64 {
	for _, m := range mfs[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && lp.GetValue() == value {
				return m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

package telemetry

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func newMetrics(t testing.TB) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

func TestSeriesObserve(t *testing.T) {
	m, reg := newMetrics(t)
	var c Cache
	l := Labels{Group: "g1", API: "getUser", Environment: "test"}
	outcomes := []Outcome{
		{Status: 200, Duration: time.Millisecond, Upstream: 500 * time.Microsecond},
		{Status: 200, Duration: time.Millisecond, Upstream: 500 * time.Microsecond},
		{Status: 502, Code: "SOURCE_UNAVAILABLE", Duration: time.Millisecond, UpstreamError: true},
		{Status: 499, Code: "CANCELLED", Duration: time.Millisecond},
	}
	for _, o := range outcomes {
		c.Series(m, l).Observe(o)
	}
	tests := []struct {
		got  prometheus.Collector
		want float64
	}{
		{m.requests.WithLabelValues("g1", "getUser", "test", "200", ""), 2},
		{m.requests.WithLabelValues("g1", "getUser", "test", "502", "SOURCE_UNAVAILABLE"), 1},
		{m.requests.WithLabelValues("g1", "getUser", "test", "499", "CANCELLED"), 1},
		{m.upstreamErrors.WithLabelValues("g1", "test", "SOURCE_UNAVAILABLE"), 1},
	}
	for i, tt := range tests {
		if got := testutil.ToFloat64(tt.got); got != tt.want {
			t.Errorf("%d: got %v, want %v", i, got, tt.want)
		}
	}
	if n := testutil.CollectAndCount(m.duration); n != 1 {
		t.Errorf("duration series = %d, want 1", n)
	}
	if n, err := testutil.GatherAndCount(reg, "tollgate_upstream_duration_seconds"); err != nil || n != 1 {
		t.Errorf("upstream duration series = %d (%v), want 1", n, err)
	}
	m.InFlight().Add(3)
	want := "# HELP tollgate_inflight_requests Requests being served right now.\n# TYPE tollgate_inflight_requests gauge\ntollgate_inflight_requests 3\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tollgate_inflight_requests"); err != nil {
		t.Error(err)
	}
}

// TestCacheRebinds checks that a snapshot served by a second gateway with
// other metrics does not count into the first one's.
func TestCacheRebinds(t *testing.T) {
	m1, _ := newMetrics(t)
	m2, _ := newMetrics(t)
	var c Cache
	l := Labels{Group: "g", API: "a", Environment: "online"}
	c.Series(m1, l).Observe(Outcome{Status: 200})
	c.Series(m2, l).Observe(Outcome{Status: 200})
	c.Series(m2, l).Observe(Outcome{Status: 200})
	if got := testutil.ToFloat64(m1.requests.WithLabelValues("g", "a", "online", "200", "")); got != 1 {
		t.Errorf("m1 count = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m2.requests.WithLabelValues("g", "a", "online", "200", "")); got != 2 {
		t.Errorf("m2 count = %v, want 2", got)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	m, _ := newMetrics(t)
	var c Cache
	l := Labels{Group: "g", API: "a", Environment: "online"}
	o := Outcome{Status: 200, Duration: time.Millisecond, Upstream: time.Millisecond}
	c.Series(m, l).Observe(o)
	allocs := testing.AllocsPerRun(100, func() { c.Series(m, l).Observe(o) })
	if allocs != 0 {
		t.Errorf("Observe allocates %v times, want 0", allocs)
	}
}

func TestSeriesConcurrent(t *testing.T) {
	m, _ := newMetrics(t)
	s := m.Series(Labels{Group: "g"})
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				s.Observe(Outcome{Status: 200 + (i+w)%5, UpstreamError: i%2 == 0, Code: "X"})
			}
		}()
	}
	for range 4 {
		<-done
	}
	var total float64
	for st := 200; st < 205; st++ {
		total += testutil.ToFloat64(m.requests.WithLabelValues("g", "", "", strconv.Itoa(st), "X"))
	}
	if total != 800 {
		t.Errorf("total = %v, want 800", total)
	}
}

// gatherHistogram returns the histogram of the metric name whose label
// has value, failing the test when there is none.
func gatherHistogram(t *testing.T, reg *prometheus.Registry, name, label, value string) *dto.Histogram {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetHistogram()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return nil
}

package telemetry

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestUpstreamConns: the connections calls got are counted by whether
// they were reused or dialled, both series from the start, and each
// wait lands in the histogram of its kind.
func TestUpstreamConns(t *testing.T) {
	m, reg := newMetrics(t)
	const zero = `# HELP tollgate_upstream_conns_total Connections that calls to plain-http backends got, by whether an idle one was reused or a new one dialled.
# TYPE tollgate_upstream_conns_total counter
tollgate_upstream_conns_total{conn="dialed"} 0
tollgate_upstream_conns_total{conn="reused"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(zero), "tollgate_upstream_conns_total"); err != nil {
		t.Errorf("before any call: %v", err)
	}
	u := m.UpstreamConns()
	u.ObserveConn(300*time.Microsecond, false)
	for range 3 {
		u.ObserveConn(2*time.Microsecond, true)
	}
	for _, tc := range []struct {
		conn      string
		count     float64
		wait      uint64
		waitUnder float64 // every wait at most this, in seconds
	}{
		{ConnDialed, 1, 1, 500e-6},
		{ConnReused, 3, 3, 2.5e-6},
	} {
		if got := testutil.ToFloat64(m.upstreamConns.connsVec.WithLabelValues(tc.conn)); got != tc.count {
			t.Errorf("conns{conn=%q} = %v, want %v", tc.conn, got, tc.count)
		}
		h := gatherHistogram(t, reg, "tollgate_upstream_conn_wait_seconds", "conn", tc.conn)
		if h.GetSampleCount() != tc.wait {
			t.Errorf("wait{conn=%q}: %d samples, want %d", tc.conn, h.GetSampleCount(), tc.wait)
		}
		for _, b := range h.GetBucket() {
			if b.GetUpperBound() >= tc.waitUnder && b.GetCumulativeCount() != tc.wait {
				t.Errorf("wait{conn=%q}: %d samples at most %v s, want %d", tc.conn, b.GetCumulativeCount(), b.GetUpperBound(), tc.wait)
			}
		}
	}
}

// BenchmarkObserveConn is what recording one connection costs a call.
func BenchmarkObserveConn(b *testing.B) {
	m, _ := newMetrics(b)
	u := m.UpstreamConns()
	start := time.Now()
	for b.Loop() {
		u.ObserveConn(time.Since(start)%(5*time.Microsecond), true)
	}
}

package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The values of the conn label of tollgate_upstream_conns_total and
// tollgate_upstream_conn_wait_seconds.
const (
	// ConnReused: the call took an idle keep-alive connection.
	ConnReused = "reused"
	// ConnDialed: the call dialled a new connection.
	ConnDialed = "dialed"
)

// UpstreamConns records how calls got their upstream connection: how long
// they waited for it, and whether an idle one was reused or a new one
// dialled. It is the connection observer of the proxy's HTTP/1.1 client
// (proxy.ConnObserver); telemetry does not import proxy.
type UpstreamConns struct {
	waitVec  *prometheus.HistogramVec
	connsVec *prometheus.CounterVec
	// wait and conns are the children of each conn label, dialled first.
	wait  [2]prometheus.Observer
	conns [2]prometheus.Counter
}

func newUpstreamConns() *UpstreamConns {
	u := &UpstreamConns{
		// Classic buckets only: every call records here, and native
		// buckets would double what that costs (BenchmarkObserveConn).
		waitVec: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_upstream_conn_wait_seconds",
			Help:    "Time a call to a plain-http backend took to get its connection: an idle one taken from the pool, or a new one dialled.",
			Buckets: fineBuckets,
		}, []string{"conn"}),
		connsVec: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_upstream_conns_total",
			Help: "Connections that calls to plain-http backends got, by whether an idle one was reused or a new one dialled.",
		}, []string{"conn"}),
	}
	// Bound up front: both series are exported from the start, and
	// recording builds no label set.
	for i, conn := range []string{ConnDialed, ConnReused} {
		u.wait[i] = u.waitVec.WithLabelValues(conn)
		u.conns[i] = u.connsVec.WithLabelValues(conn)
	}
	return u
}

// UpstreamConns returns the observer that records into
// tollgate_upstream_conn_wait_seconds and tollgate_upstream_conns_total.
func (m *Metrics) UpstreamConns() *UpstreamConns { return m.upstreamConns }

// ObserveConn records that a call waited wait for its connection, which
// it reused from the idle pool or dialled.
func (u *UpstreamConns) ObserveConn(wait time.Duration, reused bool) {
	i := 0
	if reused {
		i = 1
	}
	u.conns[i].Inc()
	u.wait[i].Observe(wait.Seconds())
}

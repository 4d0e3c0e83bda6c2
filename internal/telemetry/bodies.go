package telemetry

import "github.com/prometheus/client_golang/prometheus"

// The reasons a request body is cut, the values of
// tollgate_request_bodies_cut_total's reason label.
const (
	// BodyTimeout: the whole body did not arrive within the body timeout.
	BodyTimeout = "timeout"
	// BodyTooSlow: after the grace period, the body arrived slower on
	// average than the minimum rate.
	BodyTooSlow = "too_slow"
	// BodyMalformed: the body broke its own framing (a bad chunk).
	BodyMalformed = "malformed"
)

func newBodiesCut() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_request_bodies_cut_total",
		Help: "Request bodies the gateway stopped reading, and whose connection it closed: too late, too slow or malformed.",
	}, []string{"reason"})
	// Bound up front, so that every reason is exported from the start
	// (a rate() over a series that appears late misses its first count).
	for _, r := range []string{BodyTimeout, BodyTooSlow, BodyMalformed} {
		c.WithLabelValues(r)
	}
	return c
}

// BodyCut counts one request body cut for reason (BodyTimeout,
// BodyTooSlow or BodyMalformed).
func (m *Metrics) BodyCut(reason string) {
	m.bodiesCut.WithLabelValues(reason).Inc()
}

package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ReloadMetrics report the configuration reloads of a node:
//
//	tollgate_config_reloads_total{result="ok"|"failed"}
//	tollgate_config_reload_duration_seconds
//	tollgate_config_reload_failing            1 while the last reload failed
//	tollgate_config_last_reload_success_timestamp_seconds
//
// A node whose reload fails keeps serving its last snapshot; these say so
// to whoever watches, beside /readyz.
type ReloadMetrics struct {
	ok, failed  prometheus.Counter
	duration    prometheus.Histogram
	failing     prometheus.Gauge
	lastSuccess prometheus.Gauge
}

// NewReloadMetrics creates the reload metrics and registers them with reg.
func NewReloadMetrics(reg prometheus.Registerer) (*ReloadMetrics, error) {
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_config_reloads_total",
		Help: "Configuration reloads run, by result.",
	}, []string{"result"})
	m := &ReloadMetrics{
		ok:     total.WithLabelValues("ok"),
		failed: total.WithLabelValues("failed"),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_config_reload_duration_seconds",
			Help:    "Time to load the configuration from the store and swap the new snapshot in.",
			Buckets: latencyBuckets,
		}),
		failing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_config_reload_failing",
			Help: "1 while the last configuration reload failed: the node serves an older snapshot.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_config_last_reload_success_timestamp_seconds",
			Help: "When the last successful configuration reload finished, in Unix seconds.",
		}),
	}
	for _, c := range []prometheus.Collector{total, m.duration, m.failing, m.lastSuccess} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Observe records one reload that took took and ended with err.
func (m *ReloadMetrics) Observe(err error, took time.Duration) {
	m.duration.Observe(took.Seconds())
	if err != nil {
		m.failed.Inc()
		m.failing.Set(1)
		return
	}
	m.ok.Inc()
	m.failing.Set(0)
	m.lastSuccess.Set(float64(time.Now().UnixNano()) / 1e9)
}

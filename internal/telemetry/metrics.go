// Package telemetry records what the data plane did: Prometheus metrics,
// with label-bound children cached per API so that the request path builds
// no label set, and an access log written off the request goroutine.
package telemetry

import (
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// latencyBuckets span a fast mock answer to a slow backend, in seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics are the data plane's Prometheus metrics:
//
//	tollgate_requests_total{group,api,environment,status,code}
//	tollgate_request_duration_seconds{group,environment}
//	tollgate_upstream_duration_seconds{group,environment}
//	tollgate_upstream_errors_total{group,environment,code}
//	tollgate_business_errors_total{group,api,environment,code}
//	tollgate_inflight_requests
//	tollgate_request_bodies_cut_total{reason}
//	tollgate_stage_duration_seconds{stage}       (stages.go)
//	tollgate_upstream_conn_wait_seconds{conn}    (conns.go)
//	tollgate_upstream_conns_total{conn}
//
// and, once watched, tollgate_access_log_dropped_total (WatchAccessLog) and
// the counters journal's histograms (WatchJournal).
//
// A request the gateway could not place has empty group, api or environment
// labels; status 499 with code CANCELLED is a client that went away.
type Metrics struct {
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	upstream       *prometheus.HistogramVec
	upstreamErrors *prometheus.CounterVec
	businessErrors *prometheus.CounterVec
	bodiesCut      *prometheus.CounterVec
	stages         *prometheus.HistogramVec
	upstreamConns  *UpstreamConns
	inflight       atomic.Int64
	reg            prometheus.Registerer

	// unplaced holds the series of requests that matched no group.
	unplaced Cache
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_requests_total",
			Help: "Requests answered by the gateway, by group, API, environment, HTTP status and error code.",
		}, []string{"group", "api", "environment", "status", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer.",
			Buckets: latencyBuckets,
		}, []string{"group", "environment"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_upstream_duration_seconds",
			Help:    "Time from sending a request upstream to its response headers.",
			Buckets: latencyBuckets,
		}, []string{"group", "environment"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_upstream_errors_total",
			Help: "Upstream exchanges that failed, by error code.",
		}, []string{"group", "environment", "code"}),
		businessErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_business_errors_total",
			Help: "Calls the backend answered with a business error (X-Tollgate-Error), by the code it raised.",
		}, []string{"group", "api", "environment", "code"}),
		bodiesCut:     newBodiesCut(),
		stages:        newStageDurations(),
		upstreamConns: newUpstreamConns(),
	}
	inflight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tollgate_inflight_requests",
		Help: "Requests being served right now.",
	}, func() float64 { return float64(m.inflight.Load()) })
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.upstream, m.upstreamErrors, m.businessErrors, m.bodiesCut,
		m.stages, m.upstreamConns.waitVec, m.upstreamConns.connsVec, inflight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// WatchAccessLog exports l's dropped entries as
// tollgate_access_log_dropped_total.
func (m *Metrics) WatchAccessLog(l *AccessLog) error {
	return m.reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tollgate_access_log_dropped_total",
		Help: "Access log entries dropped because the writer fell behind.",
	}, func() float64 { return float64(l.Dropped()) }))
}

// InFlight returns the counter behind tollgate_inflight_requests. The
// gateway adds to it on admission and uses it to shed load, so that the
// gauge and the limit see the same number.
func (m *Metrics) InFlight() *atomic.Int64 { return &m.inflight }

// Unplaced returns the series of requests that matched no group.
func (m *Metrics) Unplaced() *Series { return m.unplaced.Series(m, Labels{}) }

// Labels place a request: its group, API and environment.
type Labels struct {
	Group       string
	API         string
	Environment string
}

// Outcome is what one request came to.
type Outcome struct {
	Status int
	Code   string // the canonical error code; "" on success
	// Duration is from arrival to the end of the answer.
	Duration time.Duration
	// Upstream is from sending upstream to the response headers; zero when
	// nothing was sent.
	Upstream time.Duration
	// UpstreamError is set when the upstream exchange failed; the failure
	// is counted by Code.
	UpstreamError bool
	// Business is set when the backend raised a business error; Code is
	// the code it raised, which the catalogue or the group's own codes
	// bound.
	Business bool
}

// Series holds the children of the metrics bound to one API's labels. The
// children that depend on a request's outcome are bound on first use and
// kept in a copy-on-write map, so that a request reads them with one atomic
// load and one map lookup.
type Series struct {
	m        *Metrics
	labels   Labels
	duration prometheus.Observer
	upstream prometheus.Observer

	mu       sync.Mutex // serialises the slow path that extends the maps
	outcomes atomic.Pointer[map[outcomeKey]prometheus.Counter]
	errors   atomic.Pointer[map[string]prometheus.Counter]
	business atomic.Pointer[map[string]prometheus.Counter]
}

type outcomeKey struct {
	status int
	code   string
}

// Series binds the metrics to l. Callers keep the result (see Cache): the
// binding itself builds label sets.
func (m *Metrics) Series(l Labels) *Series {
	return &Series{
		m:        m,
		labels:   l,
		duration: m.duration.WithLabelValues(l.Group, l.Environment),
		upstream: m.upstream.WithLabelValues(l.Group, l.Environment),
	}
}

// Observe records one request's outcome.
func (s *Series) Observe(o Outcome) {
	s.requests(o.Status, o.Code).Inc()
	s.duration.Observe(o.Duration.Seconds())
	if o.Upstream > 0 {
		s.upstream.Observe(o.Upstream.Seconds())
	}
	if o.UpstreamError {
		s.upstreamErrors(o.Code).Inc()
	}
	if o.Business {
		s.businessErrors(o.Code).Inc()
	}
}

func (s *Series) businessErrors(code string) prometheus.Counter {
	return lookupOrBind(&s.mu, &s.business, code, func() prometheus.Counter {
		return s.m.businessErrors.WithLabelValues(s.labels.Group, s.labels.API, s.labels.Environment, code)
	})
}

func (s *Series) requests(status int, code string) prometheus.Counter {
	return lookupOrBind(&s.mu, &s.outcomes, outcomeKey{status, code}, func() prometheus.Counter {
		return s.m.requests.WithLabelValues(s.labels.Group, s.labels.API, s.labels.Environment, strconv.Itoa(status), code)
	})
}

func (s *Series) upstreamErrors(code string) prometheus.Counter {
	return lookupOrBind(&s.mu, &s.errors, code, func() prometheus.Counter {
		return s.m.upstreamErrors.WithLabelValues(s.labels.Group, s.labels.Environment, code)
	})
}

// lookupOrBind returns the counter of k in the copy-on-write map at p. On
// a miss it binds one with bind, under mu, and publishes a new map with it:
// readers never lock, and a key is bound once.
func lookupOrBind[K comparable](mu *sync.Mutex, p *atomic.Pointer[map[K]prometheus.Counter], k K, bind func() prometheus.Counter) prometheus.Counter {
	if m := p.Load(); m != nil {
		if c, ok := (*m)[k]; ok {
			return c
		}
	}
	mu.Lock()
	defer mu.Unlock()
	old := p.Load()
	if old != nil {
		if c, ok := (*old)[k]; ok {
			return c
		}
	}
	c := bind()
	next := make(map[K]prometheus.Counter, lenOf(old)+1)
	if old != nil {
		maps.Copy(next, *old)
	}
	next[k] = c
	p.Store(&next)
	return c
}

// Cache keeps the Series of one API (or one group environment) inside the
// compiled snapshot, so that the request path finds it with a pointer load.
// It binds lazily, on the first request, to whichever Metrics asks: a
// snapshot can be compiled before, and served by more than one gateway.
// The zero Cache is ready to use; it must not be copied after first use.
type Cache struct {
	p atomic.Pointer[Series]
}

// Series returns the cached Series of l in m, binding it on first use.
func (c *Cache) Series(m *Metrics, l Labels) *Series {
	if s := c.p.Load(); s != nil && s.m == m {
		return s
	}
	s := m.Series(l)
	c.p.Store(s)
	return s
}

func lenOf[K comparable, V any](p *map[K]V) int {
	if p == nil {
		return 0
	}
	return len(*p)
}

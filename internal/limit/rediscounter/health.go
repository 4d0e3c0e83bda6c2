package rediscounter

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Failure policy. Redis is down when a command cannot reach it (a refused
// or broken connection, a timeout, or an answer such as LOADING that says
// it cannot serve). The first such failure marks the counter down, with
// one log line and a metric; from then on no call waits for Redis:
//
//   - Allow answers from a window of this node's own, of Limit/Nodes calls
//     (fail-open: a rate limit protects a backend; it is not money);
//   - Once answers from this node's memory, and Add counts in it: both are
//     written to Redis when it returns;
//   - Reserve, Commit, Release and Usage return limit.ErrUnavailable
//     (fail-closed: quotas and balances are not counted on one node, and
//     the gateway answers 503). A hold taken before the outage and left
//     unsettled expires in Redis at its deadline, so its caller is not
//     charged.
//
// A probe pings Redis every ProbeEvery while it is down; when it answers,
// what was counted locally is written and the counter is up again, with
// one log line and a metric: exact again within ProbeEvery plus that
// write. While up, the probe pings every ProbeUpEvery, so that an outage
// without traffic is noticed too.

// health is Redis's reachability and its metrics:
//
//	tollgate_counters_up                           1 when Redis answers
//	tollgate_counters_transitions_total{to}        changes to "down" and "up"
//	tollgate_counters_fallback_total{method}       calls answered locally
//	tollgate_counters_unavailable_total{method}    calls refused: Redis down
//	tollgate_counters_pending                      usage rows and nonces waiting for Redis
type health struct {
	up          atomic.Bool
	since       time.Time // when the last transition happened; under mu
	mu          sync.Mutex
	wake        chan struct{}
	transitions *prometheus.CounterVec
	fallback    *prometheus.CounterVec
	refused     *prometheus.CounterVec
}

func (h *health) init(reg prometheus.Registerer, pending func() int) error {
	h.up.Store(true)
	h.since = time.Now()
	h.wake = make(chan struct{}, 1)
	h.transitions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_counters_transitions_total",
		Help: "Changes of Redis's reachability, to down or up.",
	}, []string{"to"})
	h.fallback = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_counters_fallback_total",
		Help: "Counter calls answered from this node's memory while Redis was down, by method (allow, once, add).",
	}, []string{"method"})
	h.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_counters_unavailable_total",
		Help: "Counter calls refused because Redis was down (quotas, holds and reports), by method.",
	}, []string{"method"})
	for _, to := range []string{"down", "up"} {
		h.transitions.WithLabelValues(to)
	}
	if reg == nil {
		return nil
	}
	up := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tollgate_counters_up",
		Help: "1 when the counters' Redis answers, 0 while it is down.",
	}, func() float64 {
		if h.up.Load() {
			return 1
		}
		return 0
	})
	rows := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tollgate_counters_pending",
		Help: "Usage rows and nonces counted in this node's memory while Redis was down, not yet written to it.",
	}, func() float64 { return float64(pending()) })
	for _, col := range []prometheus.Collector{up, rows, h.transitions, h.fallback, h.refused} {
		if err := reg.Register(col); err != nil {
			return err
		}
	}
	return nil
}

// down marks Redis down after err, once per outage.
func (c *Counter) down(err error) {
	h := &c.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.up.CompareAndSwap(true, false) {
		return
	}
	h.since = time.Now()
	h.transitions.WithLabelValues("down").Inc()
	c.log.Warn("counters: redis is down: rate limits fall back to each node's share, nonces and usage to its memory; quotas and balances refuse calls until it returns",
		"err", err.Error(), "nodes", c.nodes)
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// markUp marks Redis up again, once per outage.
func (c *Counter) markUp(written int) {
	h := &c.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.up.CompareAndSwap(false, true) {
		return
	}
	h.transitions.WithLabelValues("up").Inc()
	c.log.Info("counters: redis is back: counting in redis again",
		"downFor", time.Since(h.since).Round(time.Millisecond).String(), "writtenFromMemory", written)
	h.since = time.Now()
}

// probe pings Redis until Close: every down while it is down, every up
// while it is up. When it answers after an outage, what was counted
// locally is written before the counter is up again.
func (c *Counter) probe(down, up time.Duration) {
	defer close(c.done)
	timer := time.NewTimer(up)
	defer timer.Stop()
	for {
		every := up
		if !c.Up() {
			every = down
		}
		timer.Reset(every)
		select {
		case <-c.quit:
			return
		case <-c.health.wake:
			continue // down now: wait the shorter interval
		case <-timer.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(every, time.Second))
		err := c.rdb.Ping(ctx).Err()
		switch {
		case err != nil:
			if unreachable(err) {
				c.down(err)
			}
		case !c.Up():
			if n, err := c.writePending(ctx); err == nil {
				c.markUp(n)
			}
		case c.pending.size() > 0:
			// Counted locally by calls that saw the counter down just
			// before it came back up.
			c.writePending(ctx)
		}
		cancel()
	}
}

// writePending writes what was counted locally to Redis, and returns the
// number of usage rows written.
func (c *Counter) writePending(ctx context.Context) (int, error) {
	rows, nonces := c.pending.take()
	if len(rows) == 0 && len(nonces) == 0 {
		return 0, nil
	}
	now := c.clock.Now()
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, u := range rows {
			key := c.usageKey(k.Pin, k.hour)
			f := usageField(k.UsageKey)
			p.HIncrBy(ctx, key, f+"c", u.Calls)
			for _, x := range []struct {
				letter string
				n      int64
			}{{"o", u.OK}, {"m", u.Charged}, {"b", u.Business}} {
				if x.n != 0 {
					p.HIncrBy(ctx, key, f+x.letter, x.n)
				}
			}
			keep := time.Unix((k.hour+c.retention+1)*3600, 0).Sub(now)
			p.PExpire(ctx, key, max(keep, time.Millisecond))
		}
		for key, until := range nonces {
			if ttl := until.Sub(now); ttl > 0 {
				p.SetNX(ctx, key, "1", max(ttl, time.Millisecond))
			}
		}
		return nil
	})
	if err != nil {
		// Not written, or written in part: kept for the next try. A
		// part written twice counts twice, the lesser harm.
		c.pending.putBack(rows, nonces)
		return 0, err
	}
	return len(rows), nil
}

// pending is what was counted in this node's memory while Redis was down.
type pending struct {
	mu     sync.Mutex
	rows   map[usageHour]limit.Usage
	nonces map[string]time.Time // nonce key -> when it may be forgotten
}

type usageHour struct {
	limit.UsageKey
	hour int64
}

func (p *pending) addUsage(k limit.UsageKey, hour int64, u limit.Usage) {
	p.mu.Lock()
	if p.rows == nil {
		p.rows = map[usageHour]limit.Usage{}
	}
	key := usageHour{k, hour}
	r := p.rows[key]
	r.Calls += u.Calls
	r.OK += u.OK
	r.Charged += u.Charged
	r.Business += u.Business
	p.rows[key] = r
	p.mu.Unlock()
}

func (p *pending) addNonce(key string, until time.Time) {
	p.mu.Lock()
	if p.nonces == nil {
		p.nonces = map[string]time.Time{}
	}
	p.nonces[key] = until
	p.mu.Unlock()
}

// take empties p and returns what it held.
func (p *pending) take() (map[usageHour]limit.Usage, map[string]time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rows, nonces := p.rows, p.nonces
	p.rows, p.nonces = nil, nil
	return rows, nonces
}

// putBack returns what take returned, after a failed write.
func (p *pending) putBack(rows map[usageHour]limit.Usage, nonces map[string]time.Time) {
	for k, u := range rows {
		p.addUsage(k.UsageKey, k.hour, u)
	}
	for k, t := range nonces {
		p.addNonce(k, t)
	}
}

// size returns the number of usage rows and nonces held.
func (p *pending) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rows) + len(p.nonces)
}

package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/limit/rediscounter"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/redistest"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// BenchmarkMeteredCounters is make bench's metered call — a JDCLOUD2
// signature with a fresh nonce, a traffic policy's three limits (key,
// user, API), a daily quota held and committed, usage counted and flushed
// — through the gateway's handler, many calls at once, counted in the
// journaled memory engine (tollgate-metered) or in Redis (tollgate-cluster,
// autopipelined as serve does). Beside ns/op it reports what a call costs
// where the clock on a shared machine cannot mislead:
//
//	cpu-µs/op       this process's CPU time (user + system) per call: the
//	                gateway, its Redis client and the mock backend
//	redis-µs/op     redis-server's CPU time per call (INFO cpu)
//	roundtrips/op   writes to Redis per call (a command or a pipeline)
//	commands/op     commands sent to Redis per call
//
// Run it as make bench runs the gateway, on one core:
//
//	go test -run '^$' -bench MeteredCounters -benchtime 20000x -cpu 1 -count 3 ./internal/gateway/
//
// make bench's CPU holds the gateway, the backend and redis-server: on one
// core, cpu-µs/op + redis-µs/op is what bounds a cluster node's calls per
// second.
func BenchmarkMeteredCounters(b *testing.B) {
	srv := redistest.StartServer(b)
	for _, e := range []struct {
		name string
		open func(b *testing.B) (limit.Counter, *redisProbe)
	}{
		{"memory", func(b *testing.B) (limit.Counter, *redisProbe) {
			m, err := limit.OpenMemory(b.TempDir(), limit.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { m.Close() })
			return m, nil
		}},
		{"redis", func(b *testing.B) (limit.Counter, *redisProbe) {
			p := newRedisProbe(b, srv.Addr())
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
			rdb.AddHook(&p.trips)
			c, err := rediscounter.New(rdb, rediscounter.Options{AutoPipeline: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			return c, p
		}},
	} {
		b.Run(e.name, func(b *testing.B) {
			ctr, probe := e.open(b)
			h, gw := meteredGateway(b, ctr)
			reqs := make([]*http.Request, b.N+1)
			for i := range reqs {
				r := httptest.NewRequest("GET", "http://g-abc123.localhost/users/42?x=1", nil)
				h.sign(r, nil, signing{scheme: model.SchemeJDCloud2, ak: "AK"})
				reqs[i] = r
			}
			// One call outside the count: scripts loaded, counters made.
			w := httptest.NewRecorder()
			if gw.ServeHTTP(w, reqs[b.N]); w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
			runtime.GC()
			var next atomic.Int64
			b.SetParallelism(50) // make bench's connections
			b.ReportAllocs()
			before := processCPU()
			probe.start()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					gw.ServeHTTP(w, reqs[next.Add(1)-1])
					if w.Code != 200 {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-before)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
			probe.report(b)
		})
	}
}

// meteredGateway is make bench's metered set-up on ctr: a JDCLOUD2 group
// whose mock API is behind a traffic policy of key, user and API limits
// per second out of reach, and a daily quota on the caller's
// authorization. The clock is the real one, as Redis's scripts read TIME.
func meteredGateway(b *testing.B, ctr limit.Counter) (*harness, http.Handler) {
	g := jd
	g.AuthType, g.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
	callers := model.Callers{
		Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
		Keys: []model.Key{{AccessKey: "AK", Pin: "acme", Kind: model.KeySignature, Enabled: true,
			Secret: []byte(secretAK)}},
		Authorizations: []model.Authorization{{ID: "authz-1", GroupID: g.ID, Environment: model.EnvOnline, Pin: "acme",
			DailyLimit: model.MaxCalls}},
	}
	pubs := []model.Published{published(g, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`},
		api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}"))}
	h := newCallersHarness(b, Config{}, callers, pubs...)
	h.clock.Advance(time.Since(h.clock.Now()))
	h.bindPolicy(pubs, callers, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitSecond,
		APILimit: model.MaxCalls, UserLimit: model.MaxCalls, KeyLimit: model.MaxCalls}, g.ID)
	m, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	log := telemetry.NewAccessLog(io.Discard, 0)
	b.Cleanup(func() { log.Close() })
	gw := New(Config{Snapshots: h.holder, Metrics: m, AccessLog: log, MaxInFlight: 1000, Clock: h.clock.Now, Counter: ctr})
	return h, gw
}

// processCPU returns this process's CPU time, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisProbe measures what calls cost a redis-server: its CPU time and,
// through a client hook, the round trips and commands sent to it.
type redisProbe struct {
	addr  string
	admin *redis.Client
	trips tripCounter
	cpu   time.Duration
	mark  [2]int64
}

func newRedisProbe(b *testing.B, addr string) *redisProbe {
	admin := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { admin.Close() })
	return &redisProbe{addr: addr, admin: admin}
}

func (p *redisProbe) start() {
	if p == nil {
		return
	}
	p.admin.ConfigResetStat(context.Background())
	p.cpu, _ = redistest.CPU(p.addr)
	p.mark = [2]int64{p.trips.n.Load(), p.trips.cmds.Load()}
}

func (p *redisProbe) report(b *testing.B) {
	if p == nil {
		return
	}
	n := float64(b.N)
	cpu, _ := redistest.CPU(p.addr)
	b.ReportMetric(float64(cpu-p.cpu)/float64(time.Microsecond)/n, "redis-µs/op")
	b.ReportMetric(float64(p.trips.n.Load()-p.mark[0])/n, "roundtrips/op")
	b.ReportMetric(float64(p.trips.cmds.Load()-p.mark[1])/n, "commands/op")
	// What each command took of Redis's time per call (the time of a
	// script includes the commands it runs, which are listed too).
	stats, _ := p.admin.Info(context.Background(), "commandstats").Result()
	var lines []string
	for _, line := range strings.Split(stats, "\n") {
		name, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var calls, usec float64
		for _, kv := range strings.Split(v, ",") {
			k, x, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				calls, _ = strconv.ParseFloat(x, 64)
			case "usec":
				usec, _ = strconv.ParseFloat(x, 64)
			}
		}
		lines = append(lines, fmt.Sprintf("%s %.2f calls/op %.2f µs/op", name[len("cmdstat_"):], calls/n, usec/n))
	}
	b.Logf("redis commandstats over %d calls:\n%s", b.N, strings.Join(lines, "\n"))
}

// tripCounter counts the writes a client makes to Redis (n: a command, or
// a pipeline of them) and the commands it sends (cmds).
type tripCounter struct{ n, cmds atomic.Int64 }

func (r *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		r.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (r *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		r.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// The benchmarks run the full pipeline in a loopback server, with metrics
// and the access log on, against a 50-byte JSON backend like the one the
// design notes measured with. Allocations of the client, the gateway's
// server and (for BenchmarkProxy) the backend's server all count.

func benchGateway(b *testing.B, backend *model.Backend) *harness {
	h := newHarness(b, Config{MaxInFlight: 10000, MaxBodyBytes: 1 << 20, MaxHeaderBytes: 16 << 10},
		published(jd, model.EnvOnline, backend,
			api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}")))
	return h
}

// benchLoop sends req through h's client, b.N times, and fails unless it
// is answered 200.
func benchLoop(b *testing.B, h *harness, req *http.Request) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := h.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func BenchmarkProxy(b *testing.B) {
	body := `{"id":42,"name":"tollgate","ok":true,"pad":"xxxxx"}`[:50]
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer backend.Close()
	h := benchGateway(b, httpBackend(1000, backend.URL))
	benchLoop(b, h, h.request("GET", "g-abc123.localhost", "/users/42?x=1", nil))
}

// BenchmarkSigned is BenchmarkProxy with a JDCLOUD2-HMAC-SHA256
// signature and a nonce on every request: the full pipeline, with
// authenticate, replay (the nonce goes into the in-memory counter),
// identity, authorize and the identity headers. The requests are signed
// outside the timer, in batches, so that the client's signing is not
// counted; each is sent once.
func BenchmarkSigned(b *testing.B) {
	body := `{"id":42,"name":"tollgate","ok":true,"pad":"xxxxx"}`[:50]
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer backend.Close()
	g := jd
	g.AuthType, g.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
	callers := model.Callers{
		Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
		Keys: []model.Key{{AccessKey: "AK", Pin: "acme", Kind: model.KeySignature, Enabled: true,
			Secret: []byte(secretAK)}},
		Authorizations: []model.Authorization{{GroupID: g.ID, Environment: model.EnvOnline, Pin: "acme"}},
	}
	h := newCallersHarness(b, Config{MaxInFlight: 10000, MaxBodyBytes: 1 << 20, MaxHeaderBytes: 16 << 10}, callers,
		published(g, model.EnvOnline, httpBackend(1000, backend.URL),
			api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}")))
	loopSigned(b, h, func(resp *http.Response) bool { return resp.StatusCode == 200 })
}

// loopSigned sends GET /users/42?x=1 to g-abc123.localhost, signed with
// JDCLOUD2 by the key AK, b.N times, and fails unless ok says the answer
// is right. Requests are signed outside the timer, in batches, so that
// the client's signing is not counted; each is sent once.
func loopSigned(b *testing.B, h *harness, ok func(*http.Response) bool) {
	batch := make([]*http.Request, 1024)
	sign := func() {
		for i := range batch {
			batch[i] = h.request("GET", "g-abc123.localhost", "/users/42?x=1", nil)
			h.sign(batch[i], nil, signing{scheme: model.SchemeJDCloud2, ak: "AK"})
		}
		// Collect the signing's garbage now, outside the timer, rather
		// than charge the gateway with it.
		runtime.GC()
	}
	sign()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(batch) {
			b.StopTimer()
			sign()
			i = 0
			b.StartTimer()
		}
		resp, err := h.client.Do(batch[i])
		i++
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if !ok(resp) {
			b.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
	}
}

func BenchmarkMock(b *testing.B) {
	h := benchGateway(b, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`})
	benchLoop(b, h, h.request("GET", "g-abc123.localhost", "/users/42?x=1", nil))
}

// BenchmarkPipeline calls the handler directly with a recorder and a mock
// backend, metrics and the access log on, so that only the pipeline and
// the recorder allocate. Stage timing is on, at its default rate.
func BenchmarkPipeline(b *testing.B) { benchPipeline(b, 0) }

// BenchmarkPipelineStageTiming is BenchmarkPipeline with stage timing
// off, at its default rate (one call in 16) and on every call: the last
// over "off" is what a timed call costs, the default over "off" what
// each call pays on average.
func BenchmarkPipelineStageTiming(b *testing.B) {
	for _, bc := range []struct {
		name  string
		every int
	}{{"off", -1}, {"1in16", 0}, {"every", 1}} {
		b.Run(bc.name, func(b *testing.B) { benchPipeline(b, bc.every) })
	}
}

// benchPipeline is BenchmarkPipeline with Config.StageSampleEvery every.
func benchPipeline(b *testing.B, every int) {
	h := benchGateway(b, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`})
	m, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	log := telemetry.NewAccessLog(io.Discard, 0)
	defer log.Close()
	gw := New(Config{Snapshots: h.holder, Metrics: m, AccessLog: log, MaxInFlight: 100, StageSampleEvery: every})
	req := httptest.NewRequest("GET", "http://g-abc123.localhost/users/42?x=1", nil)
	req.Header.Set("X-Request-Id", "bench-1")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkPipelineSigned is BenchmarkPipeline for a JDCLOUD2-signed
// request with a fresh nonce each time: what authenticate, replay,
// identity, authorize and outbound add to the pipeline itself. Requests
// are signed outside the timer, in batches.
func BenchmarkPipelineSigned(b *testing.B) {
	g := jd
	g.AuthType, g.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
	callers := model.Callers{
		Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
		Keys: []model.Key{{AccessKey: "AK", Pin: "acme", Kind: model.KeySignature, Enabled: true,
			Secret: []byte(secretAK)}},
		Authorizations: []model.Authorization{{GroupID: g.ID, Environment: model.EnvOnline, Pin: "acme"}},
	}
	h := newCallersHarness(b, Config{}, callers, published(g, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`},
		api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}")))
	m, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	log := telemetry.NewAccessLog(io.Discard, 0)
	defer log.Close()
	gw := New(Config{Snapshots: h.holder, Metrics: m, AccessLog: log, MaxInFlight: 100, Clock: h.clock.Now})
	servePipelineSigned(b, h, gw, "g-abc123", signing{scheme: model.SchemeJDCloud2, ak: "AK"})
}

// servePipelineSigned calls gw's handler directly, b.N times, with GET
// /users/42?x=1 to gid's host signed as sg, and fails unless it answers
// 200. Requests are signed outside the timer, in batches, each with a
// fresh nonce and sent once.
func servePipelineSigned(b *testing.B, h *harness, gw http.Handler, gid string, sg signing) {
	batch := make([]*http.Request, 1024)
	sign := func() {
		for i := range batch {
			r := httptest.NewRequest("GET", "http://"+gid+".localhost/users/42?x=1", nil)
			r.Header.Set("X-Request-Id", "bench-1")
			h.sign(r, nil, sg)
			batch[i] = r
		}
		runtime.GC()
	}
	sign()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(batch) {
			b.StopTimer()
			sign()
			i = 0
			b.StartTimer()
		}
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, batch[i])
		i++
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkSignedQuota is BenchmarkSigned with what a metered API adds:
// a traffic policy whose per-key limit is counted on every call, a daily
// quota on the caller's authorization (reserved at admission, committed
// after the answer) and the usage row every proxied call adds. Compare
// with BenchmarkSigned and BenchmarkProxy in the same run.
func BenchmarkSignedQuota(b *testing.B) {
	backend := benchBackend(b)
	g := jd
	g.AuthType, g.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
	callers := model.Callers{
		Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
		Keys: []model.Key{{AccessKey: "AK", Pin: "acme", Kind: model.KeySignature, Enabled: true,
			Secret: []byte(secretAK)}},
		Authorizations: []model.Authorization{{ID: "authz-1", GroupID: g.ID, Environment: model.EnvOnline, Pin: "acme",
			DailyLimit: model.MaxCalls}},
	}
	pubs := []model.Published{published(g, model.EnvOnline, httpBackend(1000, backend.URL),
		api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}"))}
	h := newCallersHarness(b, Config{MaxInFlight: 10000, MaxBodyBytes: 1 << 20, MaxHeaderBytes: 16 << 10}, callers, pubs...)
	h.bindPolicy(pubs, callers, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitSecond,
		APILimit: model.MaxCalls, UserLimit: model.MaxCalls, KeyLimit: model.MaxCalls}, g.ID)
	loopSigned(b, h, func(resp *http.Response) bool {
		return resp.StatusCode == 200 && resp.Header.Get("RateLimit-Limit") != ""
	})
}

// BenchmarkMarketCall is a call to a market-dialect group by a
// pay-per-call subscriber: an app key, the plan's QPS and daily limit,
// the balance held and charged, the answer held back, settled, synced and
// wrapped. journal=false counts in memory, where Sync costs nothing;
// journal=true keeps a journal, so that every call waits for its charge
// to reach the disk: one client calling in sequence pays a whole fsync
// per call (many at once share it: see internal/limit's benchmarks).
func BenchmarkMarketCall(b *testing.B) {
	for _, journal := range []bool{false, true} {
		b.Run(fmt.Sprint("journal=", journal), func(b *testing.B) {
			backend := benchBackend(b)
			g := group("g-mk", errcode.DialectMarket, errcode.English)
			g.AuthType = model.AuthAppKey
			plan := model.Plan{ID: "plan-1", GroupID: g.ID, Name: "p", PricePerCall: 1, DailyLimit: model.MaxCalls, QPS: model.MaxCalls}
			sub := plan.Terms("acme")
			sub.ID = "sub-1"
			callers := model.Callers{
				Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
				Keys: []model.Key{{AccessKey: "APP", Pin: "acme", Kind: model.KeyAppKey, Enabled: true,
					Secret: []byte(secretOf("APP"))}},
				Market: model.Market{Plans: []model.Plan{plan}, Subscriptions: []model.Subscription{sub},
					Credits: map[string]model.Money{"acme": model.MaxMoney}},
			}
			cfg := Config{MaxInFlight: 10000, MaxBodyBytes: 1 << 20, MaxHeaderBytes: 16 << 10}
			if journal {
				ctr, err := limit.OpenMemory(b.TempDir(), limit.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { ctr.Close() })
				cfg.Counter = ctr
			}
			h := newCallersHarness(b, cfg, callers, published(g, model.EnvOnline, httpBackend(1000, backend.URL),
				api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}")))
			benchLoop(b, h, h.signed("GET", "g-mk.localhost", "/users/42?x=1", "", signing{scheme: model.SchemeAppKey, ak: "APP"}))
		})
	}
}

// benchBackend is the 50-byte JSON backend of the benchmarks.
func benchBackend(b *testing.B) *httptest.Server {
	body := `{"id":42,"name":"tollgate","ok":true,"pad":"xxxxx"}`[:50]
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	b.Cleanup(s.Close)
	return s
}

// BenchmarkPipelineQuota is BenchmarkPipelineSigned with a per-key
// policy, a daily quota and usage (quota=true), or without (quota=false),
// and the same for a pay-per-call market call with its answer wrapped
// (market=true): what the metering stages cost the pipeline itself.
func BenchmarkPipelineQuota(b *testing.B) {
	for _, c := range []struct {
		name            string
		quota, market   bool
		scheme, ak, gid string
	}{
		{"quota=false", false, false, model.SchemeJDCloud2, "AK", "g-abc123"},
		{"quota=true", true, false, model.SchemeJDCloud2, "AK", "g-abc123"},
		{"market=true", true, true, model.SchemeAppKey, "APP", "g-mk"},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := jd
			g.AuthType, g.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
			callers := model.Callers{
				Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
				Keys: []model.Key{
					{AccessKey: "AK", Pin: "acme", Kind: model.KeySignature, Enabled: true, Secret: []byte(secretAK)},
					{AccessKey: "APP", Pin: "acme", Kind: model.KeyAppKey, Enabled: true, Secret: []byte(secretOf("APP"))},
				},
				Authorizations: []model.Authorization{{ID: "authz-1", GroupID: g.ID, Environment: model.EnvOnline, Pin: "acme"}},
			}
			if c.quota {
				callers.Authorizations[0].DailyLimit = model.MaxCalls
			}
			if c.market {
				g = group(c.gid, errcode.DialectMarket, errcode.English)
				g.AuthType = model.AuthAppKey
				plan := model.Plan{ID: "plan-1", GroupID: g.ID, Name: "p", PricePerCall: 1, DailyLimit: model.MaxCalls, QPS: model.MaxCalls}
				sub := plan.Terms("acme")
				sub.ID = "sub-1"
				callers.Market = model.Market{Plans: []model.Plan{plan}, Subscriptions: []model.Subscription{sub},
					Credits: map[string]model.Money{"acme": model.MaxMoney}}
			}
			pubs := []model.Published{published(g, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`},
				api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}"))}
			h := newCallersHarness(b, Config{}, callers, pubs...)
			if c.quota {
				h.bindPolicy(pubs, callers, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitSecond,
					APILimit: model.MaxCalls, UserLimit: model.MaxCalls, KeyLimit: model.MaxCalls}, g.ID)
			}
			m, err := telemetry.NewMetrics(prometheus.NewRegistry())
			if err != nil {
				b.Fatal(err)
			}
			log := telemetry.NewAccessLog(io.Discard, 0)
			defer log.Close()
			gw := New(Config{Snapshots: h.holder, Metrics: m, AccessLog: log, MaxInFlight: 100, Clock: h.clock.Now})
			servePipelineSigned(b, h, gw, c.gid, signing{scheme: c.scheme, ak: c.ak})
		})
	}
}

// BenchmarkStageClock measures stage timing alone, outside the noise of a
// whole call: "sample" is what every call pays to be picked or not (one
// in 16 picked), "timed" what a picked call pays besides, for the 16
// stages and the rest.
func BenchmarkStageClock(b *testing.B) {
	m, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	stages := (&Gateway{}).pipeline()
	for i := range stages {
		stages[i].timer = m.StageTimer(stages[i].name)
	}
	s := newStageSampler(m, 0)
	b.Run("sample", func(b *testing.B) {
		n := 0
		for b.Loop() {
			if s.sample() {
				n++
			}
		}
		if n == 0 && b.N >= 16 {
			b.Fatal("no call sampled")
		}
	})
	b.Run("timed", func(b *testing.B) {
		for b.Loop() {
			k := s.start(time.Now(), len(stages))
			for i := range stages {
				k.lap(i)
			}
			s.finish(k, stages)
		}
	})
}

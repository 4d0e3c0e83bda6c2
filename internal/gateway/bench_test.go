package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
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

func benchLoop(b *testing.B, h *harness) {
	req := h.request("GET", "g-abc123.localhost", "/users/42?x=1", nil)
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
	benchLoop(b, benchGateway(b, httpBackend(1000, backend.URL)))
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
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func BenchmarkMock(b *testing.B) {
	benchLoop(b, benchGateway(b, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`}))
}

// BenchmarkPipeline calls the handler directly with a recorder and a mock
// backend, metrics and the access log on, so that only the pipeline and
// the recorder allocate.
func BenchmarkPipeline(b *testing.B) {
	h := benchGateway(b, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`})
	m, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	log := telemetry.NewAccessLog(io.Discard, 0)
	defer log.Close()
	gw := New(Config{Snapshots: h.holder, Metrics: m, AccessLog: log, MaxInFlight: 100})
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
	batch := make([]*http.Request, 1024)
	sign := func() {
		for i := range batch {
			r := httptest.NewRequest("GET", "http://g-abc123.localhost/users/42?x=1", nil)
			r.Header.Set("X-Request-Id", "bench-1")
			h.sign(r, nil, signing{scheme: model.SchemeJDCloud2, ak: "AK"})
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

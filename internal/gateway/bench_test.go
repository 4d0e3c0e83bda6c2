package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
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

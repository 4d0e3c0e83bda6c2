package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// The benchmarks below compare the designs considered for forwarding:
// httputil.ReverseProxy (Rewrite, a pooled 32 KiB BufferPool, the shared
// Transport) and the hand-written Pool.Forward that Tollgate keeps, on
// each upstream client: H1Transport (h1, the default for http backends)
// and net/http's Transport (std). All do the same work: pick the target,
// set the path, X-Forwarded-* and X-Request-Id, strip hop-by-hop headers,
// stream the bodies.

// backend50 answers a 50-byte JSON body, like the backend the design notes
// measured with.
func backend50(b *testing.B) *httptest.Server {
	body := `{"id":42,"name":"tollgate","ok":true,"pad":"xxxxx"}`[:50]
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	b.Cleanup(s.Close)
	return s
}

type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) Get() []byte  { return *bp.p.Get().(*[]byte) }
func (bp *bufferPool) Put(b []byte) { bp.p.Put(&b) }

func reverseProxy(target *url.URL) http.Handler {
	bp := &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/v2" + pr.In.URL.Path
			pr.SetXForwarded()
			pr.Out.Header["X-Request-Id"] = []string{"req-1"}
		},
		Transport:  Transport,
		BufferPool: bp,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}

func forwarder(b *testing.B, target string, tr http.RoundTripper) http.Handler {
	p := newPool(b, PoolConfig{URLs: []string{target}, Transport: tr})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var path strings.Builder
		path.WriteString("/v2")
		path.WriteString(r.URL.EscapedPath())
		if _, err := p.Forward(w, r, Outbound{Path: path.String(), RequestID: "req-1"}); err != nil {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
}

// reportCPU starts counting the process's CPU time; the function it
// returns reports it per operation as cpu-ns/op. On a loopback benchmark
// ns/op is mostly waiting; cpu-ns/op is what the client, the proxy and the
// backend together spent.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if n := b.N; n > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
		}
	}
}

// BenchmarkForward runs each design in a loopback HTTP server between a
// keep-alive client and a backend: allocations and CPU time of all three
// count, and the difference between the designs is the proxy's.
func BenchmarkForward(b *testing.B) {
	backend := backend50(b)
	target, _ := url.Parse(backend.URL)
	for _, d := range []struct {
		name string
		h    http.Handler
	}{
		{"handwritten-h1", forwarder(b, backend.URL, &H1Transport{})},
		{"handwritten-std", forwarder(b, backend.URL, Transport)},
		{"reverseproxy-std", reverseProxy(target)},
	} {
		b.Run(d.name, func(b *testing.B) {
			gw := httptest.NewServer(d.h)
			defer gw.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
			req, _ := http.NewRequest("GET", gw.URL+"/users/42?x=1", nil)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// BenchmarkForwardHandler calls each design's handler directly with a
// recorder, so that only the proxy and the backend allocate.
// handwritten-h1-observed is handwritten-h1 with the ConnObserver the
// server gives it, tollgate_upstream_conn_wait_seconds's.
func BenchmarkForwardHandler(b *testing.B) {
	backend := backend50(b)
	target, _ := url.Parse(backend.URL)
	m, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct {
		name string
		h    http.Handler
	}{
		{"handwritten-h1", forwarder(b, backend.URL, &H1Transport{})},
		{"handwritten-h1-observed", forwarder(b, backend.URL, &H1Transport{ConnObserver: m.UpstreamConns()})},
		{"handwritten-std", forwarder(b, backend.URL, Transport)},
		{"reverseproxy-std", reverseProxy(target)},
	} {
		b.Run(d.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "http://g1.localhost/users/42?x=1", nil)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				w := httptest.NewRecorder()
				d.h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

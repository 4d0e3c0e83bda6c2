package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// harness is a gateway behind a real loopback server, with its metrics
// registry, its access log and a clock the test moves.
type harness struct {
	t       testing.TB
	holder  *snapshot.Holder
	opts    snapshot.Options
	reg     *prometheus.Registry
	log     *telemetry.AccessLog
	logBuf  *syncBuffer
	clock   *fakeClock
	srv     *httptest.Server
	gw      *Gateway
	served  chan struct{} // gets a value each time ServeHTTP returns
	client  *http.Client
	closing sync.Once
}

func newHarness(t testing.TB, cfg Config, pubs ...model.Published) *harness {
	t.Helper()
	return newCallersHarness(t, cfg, model.Callers{}, pubs...)
}

// newCallersHarness is newHarness with callers: keys, authorizations and
// the blacklist. The gateway's clock is the harness's unless cfg has one.
func newCallersHarness(t testing.TB, cfg Config, callers model.Callers, pubs ...model.Published) *harness {
	t.Helper()
	h := &harness{
		t:      t,
		holder: new(snapshot.Holder),
		reg:    prometheus.NewRegistry(),
		logBuf: new(syncBuffer),
		clock:  newFakeClock(),
		served: make(chan struct{}, 1024),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}},
	}
	h.opts = snapshot.Options{Clock: h.clock.Now}
	if err := h.holder.Update(h.opts, pubs, callers); err != nil {
		t.Fatal(err)
	}
	if cfg.Clock == nil {
		cfg.Clock = h.clock.Now
	}
	m, err := telemetry.NewMetrics(h.reg)
	if err != nil {
		t.Fatal(err)
	}
	h.log = telemetry.NewAccessLog(h.logBuf, 0)
	cfg.Snapshots, cfg.Metrics, cfg.AccessLog = h.holder, m, h.log
	gw := New(cfg).(*Gateway)
	h.gw = gw
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			select {
			case h.served <- struct{}{}:
			default:
			}
		}()
		gw.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		h.srv.Close()
		h.closeLog()
	})
	return h
}

func (h *harness) closeLog() { h.closing.Do(func() { h.log.Close() }) }

// request builds a request to the gateway for host.
func (h *harness) request(method, host, path string, body io.Reader) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Host = host
	return req
}

// response is an answer read whole.
type response struct {
	*http.Response
	body []byte
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{resp, b}
}

func (h *harness) get(host, path string) response {
	h.t.Helper()
	return h.do(h.request("GET", host, path, nil))
}

// drain waits until every request sent so far has left ServeHTTP.
func (h *harness) waitServed(n int) {
	h.t.Helper()
	for range n {
		select {
		case <-h.served:
		case <-time.After(10 * time.Second):
			h.t.Fatal("a request did not finish")
		}
	}
}

// counter returns the value of the counter name whose labels include want.
func (h *harness) counter(name string, want map[string]string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue metrics
				}
			}
			sum += m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// logLines closes the access log and returns its lines, parsed.
func (h *harness) logLines() []map[string]any {
	h.t.Helper()
	h.closeLog()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(h.logBuf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			h.t.Fatalf("access log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// envelope is the jdcloud error body.
type envelope struct {
	RequestID string `json:"requestId"`
	Error     struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

func (r response) envelope(t testing.TB) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return e
}

// syncBuffer is a bytes.Buffer safe for the access log's writer and the
// test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Publication builders.

func group(id string, dialect errcode.Dialect, lang errcode.Lang) model.Group {
	return model.Group{ID: id, Name: id, Dialect: dialect, Language: lang}
}

func published(g model.Group, env model.Environment, b *model.Backend, apis ...model.API) model.Published {
	return model.Published{Group: g, Environment: env, Revision: model.Revision{GroupID: g.ID, Revision: "1.0.0", APIs: apis}, Backend: b}
}

func api(id, method, path, match, backendPath string) model.API {
	return model.API{ID: id, Name: id, Method: method, Path: path, MatchType: match, BackendPath: backendPath}
}

func httpBackend(timeoutMs int, urls ...string) *model.Backend {
	return &model.Backend{Type: model.BackendHTTP, URLs: urls, TimeoutMs: timeoutMs}
}

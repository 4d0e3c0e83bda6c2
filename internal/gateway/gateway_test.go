package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

var jd = group("g-abc123", errcode.DialectJDCloud, errcode.English)

func TestProxyToEchoBackend(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	h := newHarness(t, Config{}, published(jd, model.EnvTest, httpBackend(1000, backend.URL+"/base"),
		api("setUser", "POST", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}"),
		api("files", "ANY", "/files", model.MatchPrefix, "/store")))

	req := h.request("POST", "g-abc123-test.localhost", "/users/42?q=1&tag=a%20b", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	req.Header.Set("X-Caller", "yes")
	req.Header.Set("Connection", "X-Listed")
	req.Header.Set("X-Listed", "hop")
	req.Header.Set("Proxy-Authorization", "Basic Zm9v")
	req.Header.Set("X-Request-Id", "caller-id-1")
	resp := h.do(req)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.body)
	}
	var got proxytest.Echoed
	if err := json.Unmarshal(resp.body, &got); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"method", got.Method, "POST"},
		{"request URI", got.RequestURI, "/base/v2/people/42?q=1&tag=a%20b"},
		{"body", got.Body, `{"name":"x"}`},
		{"X-Forwarded-For", got.Header.Get("X-Forwarded-For"), "198.51.100.9, 127.0.0.1"},
		{"X-Forwarded-Proto", got.Header.Get("X-Forwarded-Proto"), "http"},
		{"X-Forwarded-Host", got.Header.Get("X-Forwarded-Host"), "g-abc123-test.localhost"},
		{"X-Request-Id upstream", got.Header.Get("X-Request-Id"), "caller-id-1"},
		{"X-Request-Id answer", resp.Header.Get("X-Request-Id"), "caller-id-1"},
		{"X-Caller", got.Header.Get("X-Caller"), "yes"},
		{"X-Backend", resp.Header.Get("X-Backend"), "echo"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	for _, k := range []string{"X-Listed", "Proxy-Authorization", "Connection"} {
		if _, ok := got.Header[k]; ok {
			t.Errorf("backend got hop-by-hop header %s", k)
		}
	}
	for _, k := range []string{"X-Hop", "Keep-Alive"} {
		if _, ok := resp.Header[k]; ok {
			t.Errorf("client got hop-by-hop header %s", k)
		}
	}

	resp = h.get("g-abc123-test.localhost", "/files/a%2Fb/c.txt")
	json.Unmarshal(resp.body, &got)
	if want := "/base/store/a%2Fb/c.txt"; got.RequestURI != want {
		t.Errorf("prefix: backend saw %q, want %q", got.RequestURI, want)
	}
}

// TestRequestBodyStreams shows that the gateway does not hold a request
// body back: the backend reads its first part while the client has not
// written the rest.
func TestRequestBodyStreams(t *testing.T) {
	gotFirst := make(chan struct{})
	backend := backendFunc(t, func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 5)
		io.ReadFull(r.Body, buf)
		close(gotFirst)
		rest, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s+%s", buf, rest)
	})
	h := newHarness(t, Config{MaxBodyBytes: 1 << 20}, published(jd, model.EnvOnline, httpBackend(5000, backend),
		api("up", "POST", "/up", model.MatchAbsolute, "")))
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, "first")
		select {
		case <-gotFirst:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(pw, "second")
		pw.Close()
	}()
	resp := h.do(h.request("POST", "g-abc123.localhost", "/up", pr))
	if string(resp.body) != "first+second" {
		t.Errorf("body = %q, want first+second", resp.body)
	}
	h.waitServed(1)
	lines := h.logLines()
	if len(lines) != 1 || lines[0]["bytes_in"] != 11.0 {
		t.Errorf("access log = %v, want one line with bytes_in 11", lines)
	}
}

func TestUpstreamErrors(t *testing.T) {
	tests := []struct {
		name      string
		backend   *model.Backend
		status    int
		code      string
		marketErr string
	}{
		{"slow", httpBackend(50, proxytest.Slow(t, 5*time.Second).URL), 504, "DEADLINE_EXCEEDED", "11010"},
		{"refused", httpBackend(1000, proxytest.RefusingURL(t)), 502, "SOURCE_UNAVAILABLE", "11010"},
		{"reset", httpBackend(1000, proxytest.Resetting(t)), 502, "SOURCE_UNAVAILABLE", "11010"},
		{"garbage", httpBackend(1000, proxytest.Garbage(t)), 502, "HTTP_BAD_GATEWAY", "11030"},
		{"no targets", httpBackend(1000), 503, "UNAVAILABLE", "11010"},
		{"no backend", nil, 503, "UNAVAILABLE", "11010"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{},
				published(jd, model.EnvOnline, tt.backend, api("x", "GET", "/x", model.MatchAbsolute, "")),
				published(group("g-market", errcode.DialectMarket, errcode.English), model.EnvOnline, tt.backend,
					api("x", "GET", "/x", model.MatchAbsolute, "")))
			resp := h.get("g-abc123.localhost", "/x")
			e := resp.envelope(t)
			if resp.StatusCode != tt.status || e.Error.Status != tt.code || e.Error.Code != tt.status {
				t.Errorf("got %d %s/%d, want %d %s", resp.StatusCode, e.Error.Status, e.Error.Code, tt.status, tt.code)
			}
			if id := resp.Header.Get("X-Request-Id"); id == "" || id != e.RequestID {
				t.Errorf("X-Request-Id %q, envelope requestId %q", id, e.RequestID)
			}
			resp = h.get("g-market.localhost", "/x")
			var m struct{ Code string }
			json.Unmarshal(resp.body, &m)
			if resp.StatusCode != tt.status || m.Code != tt.marketErr {
				t.Errorf("market: got %d %s, want %d %s", resp.StatusCode, m.Code, tt.status, tt.marketErr)
			}
			h.waitServed(2)
			if got := h.counter("tollgate_upstream_errors_total", map[string]string{"group": "g-abc123", "code": tt.code}); got != 1 {
				t.Errorf("upstream errors{code=%s} = %v, want 1", tt.code, got)
			}
		})
	}
}

func TestPassiveHealthThroughGateway(t *testing.T) {
	h := newHarness(t, Config{}, published(jd, model.EnvOnline, httpBackend(1000, proxytest.RefusingURL(t)),
		api("x", "GET", "/x", model.MatchAbsolute, "")))
	steps := []struct {
		advance time.Duration
		status  int
		code    string
	}{
		{0, 502, "SOURCE_UNAVAILABLE"},
		{0, 502, "SOURCE_UNAVAILABLE"},
		{0, 502, "SOURCE_UNAVAILABLE"},
		{0, 503, "UNAVAILABLE"},
		{5 * time.Second, 503, "UNAVAILABLE"},
		{5 * time.Second, 502, "SOURCE_UNAVAILABLE"}, // cooled down, tried, failed
		{0, 503, "UNAVAILABLE"},
	}
	for i, s := range steps {
		h.clock.Advance(s.advance)
		resp := h.get("g-abc123.localhost", "/x")
		if e := resp.envelope(t); resp.StatusCode != s.status || e.Error.Status != s.code {
			t.Fatalf("step %d: got %d %s, want %d %s", i, resp.StatusCode, e.Error.Status, s.status, s.code)
		}
	}
}

// TestSwapKeepsPoolHealth checks that republishing an unchanged backend
// keeps its pool: a target cooling down stays so.
func TestSwapKeepsPoolHealth(t *testing.T) {
	pubs := []model.Published{published(jd, model.EnvOnline, httpBackend(1000, proxytest.RefusingURL(t)),
		api("x", "GET", "/x", model.MatchAbsolute, ""))}
	h := newHarness(t, Config{}, pubs...)
	for range 3 {
		h.get("g-abc123.localhost", "/x")
	}
	pubs[0].Revision.APIs = append(pubs[0].Revision.APIs, api("y", "GET", "/y", model.MatchAbsolute, ""))
	if err := h.holder.Update(h.opts, pubs, model.Callers{}); err != nil {
		t.Fatal(err)
	}
	if resp := h.get("g-abc123.localhost", "/y"); resp.StatusCode != 503 {
		t.Errorf("after swap: status %d, want 503 (target still cooling down)", resp.StatusCode)
	}
}

func TestClientGoneIsRecordedAs499(t *testing.T) {
	h := newHarness(t, Config{}, published(jd, model.EnvOnline, httpBackend(10000, proxytest.Slow(t, 10*time.Second).URL),
		api("slow", "GET", "/slow", model.MatchAbsolute, "")))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req := h.request("GET", "g-abc123.localhost", "/slow", nil).WithContext(ctx)
	if _, err := h.client.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client err = %v, want deadline exceeded", err)
	}
	h.waitServed(1)
	if got := h.counter("tollgate_requests_total", map[string]string{"group": "g-abc123", "api": "slow", "status": "499", "code": "CANCELLED"}); got != 1 {
		t.Errorf("requests_total{status=499,code=CANCELLED} = %v, want 1", got)
	}
	if got := h.counter("tollgate_upstream_errors_total", nil); got != 0 {
		t.Errorf("upstream errors = %v, want 0: the client left, not the backend", got)
	}
	lines := h.logLines()
	if len(lines) != 1 || lines[0]["status"] != 499.0 || lines[0]["code"] != "CANCELLED" {
		t.Errorf("access log = %v", lines)
	}
}

func TestRoundRobin(t *testing.T) {
	a, b := proxytest.Echo(t, "a"), proxytest.Echo(t, "b")
	h := newHarness(t, Config{}, published(jd, model.EnvOnline, httpBackend(1000, a.URL, b.URL),
		api("x", "GET", "/x", model.MatchAbsolute, "")))
	counts := map[string]int{}
	for range 10 {
		counts[h.get("g-abc123.localhost", "/x").Header.Get("X-Backend")]++
	}
	if counts["a"] != 5 || counts["b"] != 5 {
		t.Errorf("counts = %v, want 5 each", counts)
	}
}

func TestMockBackend(t *testing.T) {
	mock := &model.Backend{Type: model.BackendMock, Status: 202, Headers: map[string]string{"X-Mock": "yes"}, Body: `{"mocked":true}`}
	h := newHarness(t, Config{}, published(jd, model.EnvPreview, mock, api("m", "ANY", "/m/{id}", model.MatchAbsolute, "")))
	resp := h.do(h.request("DELETE", "g-abc123-preview.localhost:8080", "/m/1", nil))
	if resp.StatusCode != 202 || string(resp.body) != `{"mocked":true}` || resp.Header.Get("X-Mock") != "yes" ||
		resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("got %d %q %v", resp.StatusCode, resp.body, resp.Header)
	}
}

func TestErrorDialectsAndLanguages(t *testing.T) {
	pubs := []model.Published{}
	for _, d := range errcode.Dialects {
		pubs = append(pubs, published(group("g-"+string(d), d, errcode.English), model.EnvOnline, nil))
	}
	pubs = append(pubs, published(group("g-zh", errcode.DialectTencent, errcode.Chinese), model.EnvOnline, nil))
	h := newHarness(t, Config{}, pubs...)
	tests := []struct {
		host, acceptLang string
		dialect          errcode.Dialect
		lang             errcode.Lang
		want             map[string]any // fields of the body that must hold
	}{
		{"g-jdcloud.localhost", "", errcode.DialectJDCloud, errcode.English, nil},
		{"g-jdcloud.localhost", "zh-CN,zh;q=0.9,en;q=0.5", errcode.DialectJDCloud, errcode.Chinese, nil},
		{"g-market.localhost", "", errcode.DialectMarket, errcode.English, map[string]any{"code": "10003", "charge": false}},
		{"g-zenith.localhost", "zh", errcode.DialectZenith, errcode.Chinese, map[string]any{"error_code": 1000.0}},
		{"g-tencent.localhost", "", errcode.DialectTencent, errcode.English, map[string]any{"code": 6100.0}},
		{"g-zh.localhost", "", errcode.DialectTencent, errcode.Chinese, map[string]any{"code": 6100.0}},
		{"g-zh.localhost", "en-US", errcode.DialectTencent, errcode.English, nil},
	}
	for _, tt := range tests {
		req := h.request("GET", tt.host, "/nothing/here", nil)
		if tt.acceptLang != "" {
			req.Header.Set("Accept-Language", tt.acceptLang)
		}
		resp := h.do(req)
		id := resp.Header.Get("X-Request-Id")
		_, wantBody := errcode.New(errcode.NotFound, "API").Render(tt.dialect, tt.lang, id)
		if resp.StatusCode != 404 || string(resp.body) != string(wantBody) {
			t.Errorf("%s %q: got %d %s, want 404 %s", tt.host, tt.acceptLang, resp.StatusCode, resp.body, wantBody)
		}
		var body map[string]any
		json.Unmarshal(resp.body, &body)
		for k, v := range tt.want {
			if body[k] != v {
				t.Errorf("%s: %s = %v, want %v", tt.host, k, body[k], v)
			}
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.host, ct)
		}
	}
}

func TestUnknownHostAndPath(t *testing.T) {
	h := newHarness(t, Config{}, published(group("g-market", errcode.DialectMarket, errcode.English), model.EnvOnline, nil,
		api("x", "GET", "/x", model.MatchAbsolute, "")))
	tests := []struct {
		host, method, path string
		status             int
		body               string // a fragment the body must hold
	}{
		{"nobody.localhost", "GET", "/x", 404, `"status":"APIGW_SERVICE_NOT_FOUND"`},
		{"g-market-test.localhost", "GET", "/x", 404, `"status":"APIGW_SERVICE_NOT_FOUND"`},
		{"127.0.0.1", "GET", "/x", 404, `"status":"APIGW_SERVICE_NOT_FOUND"`},
		{"g-market.localhost", "GET", "/y", 404, `"code":"10003"`},
		// A known path under another method: 501 (method_not_supported),
		// still 10003 in the market dialect.
		{"g-market.localhost", "POST", "/x", 501, `"code":"10003"`},
	}
	for _, tt := range tests {
		resp := h.do(h.request(tt.method, tt.host, tt.path, nil))
		if resp.StatusCode != tt.status || !strings.Contains(string(resp.body), tt.body) {
			t.Errorf("%s %s %s: got %d %s, want %d with %s", tt.method, tt.host, tt.path, resp.StatusCode, resp.body, tt.status, tt.body)
		}
	}
}

func TestRequestID(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	h := newHarness(t, Config{}, published(jd, model.EnvOnline, httpBackend(1000, backend.URL),
		api("x", "GET", "/x", model.MatchAbsolute, "")))
	seen := map[string]bool{}
	tests := []struct {
		host, path, incoming string
		keep                 bool
	}{
		{"g-abc123.localhost", "/x", "abc-123_x.y:z", true},
		{"g-abc123.localhost", "/x", "bad id with spaces", false},
		{"g-abc123.localhost", "/x", strings.Repeat("a", 200), false},
		{"g-abc123.localhost", "/x", "", false},
		{"g-abc123.localhost", "/missing", "", false},
		{"nobody.localhost", "/x", "", false},
		{"nobody.localhost", "/x", "kept-on-errors", true},
	}
	for _, tt := range tests {
		req := h.request("GET", tt.host, tt.path, nil)
		if tt.incoming != "" {
			req.Header.Set("X-Request-Id", tt.incoming)
		}
		resp := h.do(req)
		id := resp.Header.Get("X-Request-Id")
		switch {
		case tt.keep && id != tt.incoming:
			t.Errorf("%s%s: X-Request-Id %q, want the caller's %q", tt.host, tt.path, id, tt.incoming)
		case !tt.keep && (id == "" || id == tt.incoming || seen[id]):
			t.Errorf("%s%s: X-Request-Id %q, want a fresh one", tt.host, tt.path, id)
		}
		seen[id] = true
	}
}

func TestLimits(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	backend := backendFunc(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			entered <- struct{}{}
			<-release
		}
		io.Copy(io.Discard, r.Body)
	})
	h := newHarness(t, Config{MaxInFlight: 1, MaxBodyBytes: 10, MaxHeaderBytes: 2048},
		published(jd, model.EnvOnline, httpBackend(5000, backend), api("any", "ANY", "/", model.MatchPrefix, "")))

	go h.get("g-abc123.localhost", "/hold")
	<-entered
	resp := h.get("g-abc123.localhost", "/other")
	if e := resp.envelope(t); resp.StatusCode != 503 || e.Error.Status != "UNAVAILABLE" {
		t.Errorf("over MaxInFlight: got %d %s, want 503 UNAVAILABLE", resp.StatusCode, e.Error.Status)
	}
	close(release)
	h.waitServed(2)

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"small body", func() *http.Request {
			return h.request("POST", "g-abc123.localhost", "/x", strings.NewReader("0123456789"))
		}, 200},
		{"large body", func() *http.Request {
			return h.request("POST", "g-abc123.localhost", "/x", strings.NewReader("0123456789A"))
		}, 400},
		{"large chunked body", func() *http.Request {
			return h.request("POST", "g-abc123.localhost", "/x", io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("AB")))
		}, 400},
		{"large headers", func() *http.Request {
			r := h.request("GET", "g-abc123.localhost", "/x", nil)
			r.Header.Set("X-Big", strings.Repeat("b", 3000))
			return r
		}, 400},
	}
	for _, tt := range tests {
		resp := h.do(tt.req())
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d (%s), want %d", tt.name, resp.StatusCode, resp.body, tt.status)
		}
		if tt.status == 400 {
			if e := resp.envelope(t); e.Error.Status != "OUT_OF_RANGE" {
				t.Errorf("%s: code %s, want OUT_OF_RANGE", tt.name, e.Error.Status)
			}
		}
	}
}

func TestMetricsAndAccessLog(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	h := newHarness(t, Config{}, published(jd, model.EnvTest, httpBackend(1000, backend.URL),
		api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "")))
	h.get("g-abc123-test.localhost", "/users/1?token=secret")
	h.get("g-abc123-test.localhost", "/users/2")
	req := h.request("GET", "g-abc123-test.localhost", "/nope", nil)
	req.Header.Set("Authorization", "Bearer very-secret")
	h.do(req)
	h.get("nobody.localhost", "/x")
	h.waitServed(4)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tollgate_requests_total", map[string]string{"group": "g-abc123", "api": "getUser", "environment": "test", "status": "200", "code": ""}, 2},
		{"tollgate_requests_total", map[string]string{"group": "g-abc123", "api": "", "environment": "test", "status": "404", "code": "NOT_FOUND"}, 1},
		{"tollgate_requests_total", map[string]string{"group": "", "status": "404", "code": "APIGW_SERVICE_NOT_FOUND"}, 1},
		{"tollgate_request_duration_seconds", map[string]string{"group": "g-abc123", "environment": "test"}, 3},
		{"tollgate_upstream_duration_seconds", map[string]string{"group": "g-abc123", "environment": "test"}, 2},
		{"tollgate_upstream_errors_total", nil, 0},
	}
	for _, tt := range tests {
		if got := h.counter(tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	lines := h.logLines()
	if len(lines) != 4 {
		t.Fatalf("got %d access log lines, want 4", len(lines))
	}
	first := lines[0]
	want := map[string]any{"group": "g-abc123", "api": "getUser", "environment": "test", "method": "GET",
		"path": "/users/1", "status": 200.0, "code": "", "bytes_in": 0.0, "remote": first["remote"]}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("log %s = %v, want %v", k, first[k], v)
		}
	}
	if first["request_id"] == "" || first["bytes_out"].(float64) <= 0 || first["upstream_latency_ms"].(float64) <= 0 {
		t.Errorf("log line lacks id, bytes out or upstream latency: %v", first)
	}
	all := h.logBuf.String()
	for _, secret := range []string{"token", "secret", "Bearer"} {
		if strings.Contains(all, secret) {
			t.Errorf("access log holds %q:\n%s", secret, all)
		}
	}
}

// TestSwapUnderLoad swaps snapshots while requests flow; none may fail.
func TestSwapUnderLoad(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	versions := [][]model.Published{
		{published(jd, model.EnvOnline, httpBackend(2000, backend.URL), api("x", "GET", "/x", model.MatchAbsolute, ""))},
		{published(jd, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: "mock"}, api("x", "GET", "/x", model.MatchAbsolute, ""),
			api("y", "GET", "/y", model.MatchAbsolute, ""))},
		{published(jd, model.EnvOnline, httpBackend(3000, backend.URL), api("x", "ANY", "/x", model.MatchPrefix, ""))},
	}
	h := newHarness(t, Config{}, versions[0]...)
	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := h.holder.Update(h.opts, versions[i%len(versions)], model.Callers{}); err != nil {
				t.Error(err)
				return
			}
			swaps.Add(1)
		}
	})
	var failed atomic.Int64
	var clients sync.WaitGroup
	for range 4 {
		clients.Go(func() {
			for range 150 {
				resp, err := h.client.Do(h.request("GET", "g-abc123.localhost", "/x", nil))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		})
	}
	clients.Wait()
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || swaps.Load() < 10 {
		t.Errorf("%d of 600 requests failed across %d swaps", failed.Load(), swaps.Load())
	}
}

// backendFunc starts a plain backend with handler f and returns its URL.
func backendFunc(t *testing.T, f http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(f)
	t.Cleanup(s.Close)
	return s.URL
}

// TestCutResponseAborts checks that a backend that dies halfway through
// its body makes the gateway drop the client's connection rather than end
// the answer as if it were whole, and that the call is accounted as what
// it came to, 502 SOURCE_UNAVAILABLE, not as the 200 that had gone out:
// in the metrics, the upstream errors and the access log. Both framings:
// a declared length, and chunks that stop.
func TestCutResponseAborts(t *testing.T) {
	for name, answer := range map[string]string{
		"length":  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b",
		"chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nonly ten b\r\n",
		"headers": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			cut, _ := proxytest.RawServer(t, func(c *net.TCPConn) {
				io.WriteString(c, answer)
				c.SetLinger(0)
			})
			h := newHarness(t, Config{}, published(jd, model.EnvOnline, httpBackend(1000, cut),
				api("x", "GET", "/x", model.MatchAbsolute, "")))
			// The status line may or may not have left the gateway's buffer
			// before the cut: either way the client must see a failure.
			resp, err := h.client.Do(h.request("GET", "g-abc123.localhost", "/x", nil))
			if err == nil {
				b, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr == nil {
					t.Errorf("read %q whole; want the connection cut", b)
				}
			}
			h.waitServed(1)
			if got := h.counter("tollgate_requests_total", map[string]string{"status": "502", "code": "SOURCE_UNAVAILABLE"}); got != 1 {
				t.Errorf("requests_total{status=502,code=SOURCE_UNAVAILABLE} = %v, want 1", got)
			}
			if got := h.counter("tollgate_upstream_errors_total", map[string]string{"code": "SOURCE_UNAVAILABLE"}); got != 1 {
				t.Errorf("upstream_errors_total{code=SOURCE_UNAVAILABLE} = %v, want 1", got)
			}
			lines := h.logLines()
			if len(lines) != 1 || lines[0]["status"] != 502.0 || lines[0]["code"] != "SOURCE_UNAVAILABLE" {
				t.Errorf("access log = %v, want one line with 502 SOURCE_UNAVAILABLE", lines)
			}
		})
	}
}

// TestNotDeployed checks that a known group whose environment serves
// nothing answers NotDeployed in the group's own dialect, not the
// unknown-service error of the default dialect.
func TestNotDeployed(t *testing.T) {
	tencent := group("g-tc", errcode.DialectTencent, errcode.English)
	market := group("g-mk", errcode.DialectMarket, errcode.Chinese)
	h := newHarness(t, Config{},
		published(tencent, model.EnvOnline, nil, api("x", "GET", "/x", model.MatchAbsolute, "")),
		model.Published{Group: tencent, Environment: model.EnvTest},
		model.Published{Group: market, Environment: model.EnvOnline},
	)
	tests := []struct {
		host   string
		status int
		body   string
	}{
		{"g-tc.localhost", 200, ""},
		{"g-tc-test.localhost", 404, `"code":6100`},
		{"g-mk.localhost", 404, `"code":"10003"`},
		{"g-mk-preview.localhost", 404, `"status":"APIGW_SERVICE_NOT_FOUND"`},
	}
	for _, tt := range tests {
		resp := h.get(tt.host, "/x")
		if tt.status == 200 {
			if resp.StatusCode == 404 {
				t.Errorf("%s: got %d %s, want the deployed API", tt.host, resp.StatusCode, resp.body)
			}
			continue
		}
		if resp.StatusCode != tt.status || !strings.Contains(string(resp.body), tt.body) {
			t.Errorf("%s: got %d %s, want %d with %s", tt.host, resp.StatusCode, resp.body, tt.status, tt.body)
		}
	}
}

// TestShedInDialect checks that a call past MaxInFlight is answered at
// once with the busy code of its group's dialect.
func TestShedInDialect(t *testing.T) {
	tests := []struct {
		dialect errcode.Dialect
		code    string // the envelope's code, or the jdcloud error status
	}{
		{errcode.DialectJDCloud, "UNAVAILABLE"},
		{errcode.DialectMarket, "10020"},
		{errcode.DialectZenith, "1108"},
		{errcode.DialectTencent, "6200"},
	}
	for _, tt := range tests {
		t.Run(string(tt.dialect), func(t *testing.T) {
			release := make(chan struct{})
			entered := make(chan struct{}, 1)
			backend := backendFunc(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/hold" {
					entered <- struct{}{}
					<-release
				}
			})
			h := newHarness(t, Config{MaxInFlight: 1}, published(group("g-abc123", tt.dialect, errcode.English),
				model.EnvOnline, httpBackend(5000, backend), api("any", "ANY", "/", model.MatchPrefix, "")))
			go h.get("g-abc123.localhost", "/hold")
			<-entered
			resp := h.get("g-abc123.localhost", "/other")
			close(release)
			h.waitServed(2)
			var body map[string]any
			if err := json.Unmarshal(resp.body, &body); err != nil {
				t.Fatalf("body %q: %v", resp.body, err)
			}
			var got string
			switch tt.dialect {
			case errcode.DialectJDCloud:
				got, _ = body["error"].(map[string]any)["status"].(string)
			case errcode.DialectMarket:
				got, _ = body["code"].(string)
			case errcode.DialectZenith:
				got = fmt.Sprint(body["error_code"])
			case errcode.DialectTencent:
				got = fmt.Sprint(body["code"])
			}
			if resp.StatusCode != 503 || got != tt.code {
				t.Errorf("over MaxInFlight: got %d %s, want 503 %s", resp.StatusCode, resp.body, tt.code)
			}
		})
	}
}

// TestTooLargeInDialect checks that a refusal of the accept stage, before
// the group is resolved, is still said in the group's dialect.
func TestTooLargeInDialect(t *testing.T) {
	h := newHarness(t, Config{MaxBodyBytes: 10}, published(group("g-abc123", errcode.DialectMarket, errcode.English),
		model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{}`}, api("any", "ANY", "/", model.MatchPrefix, "")))
	resp := h.do(h.request("POST", "g-abc123.localhost", "/x", strings.NewReader("0123456789A")))
	var body map[string]any
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("body %q: %v", resp.body, err)
	}
	if resp.StatusCode != 400 || body["code"] != "12001" {
		t.Errorf("body over MaxBodyBytes: got %d %s, want 400 with market code 12001", resp.StatusCode, resp.body)
	}
}

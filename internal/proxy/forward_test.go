package proxy

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

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

// bothClients runs f with each upstream client in turn: Tollgate's
// H1Transport and net/http's Transport must behave the same.
func bothClients(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, c := range []string{UpstreamH1, UpstreamStd} {
		t.Run(c, func(t *testing.T) {
			prev := UpstreamClient()
			if err := SetUpstreamClient(c); err != nil {
				t.Fatal(err)
			}
			defer SetUpstreamClient(prev)
			f(t)
		})
	}
}

func newPool(t testing.TB, c PoolConfig) *Pool {
	t.Helper()
	p, err := NewPool(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// forward sends req through p and returns the recorded response.
func forward(p *Pool, req *http.Request, o Outbound) (*httptest.ResponseRecorder, Result, error) {
	w := httptest.NewRecorder()
	res, err := p.Forward(w, req, o)
	return w, res, err
}

func TestForwardEcho(t *testing.T) { bothClients(t, testForwardEcho) }

func testForwardEcho(t *testing.T) {
	backend := proxytest.Echo(t, "b1")
	p := newPool(t, PoolConfig{
		URLs:    []string{backend.URL + "/base/"},
		Headers: map[string]string{"x-static": "from-backend-config", "X-Override": "config"},
	})
	req := httptest.NewRequest("POST", "http://g1.localhost/users/42?q=1&r=a%20b", strings.NewReader("hello body"))
	req.RemoteAddr = "192.0.2.7:5555"
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	req.Header.Set("X-Caller", "kept")
	req.Header.Set("X-Override", "caller")
	req.Header.Set("Connection", "X-Conn-Listed")
	req.Header.Set("X-Conn-Listed", "dropped")
	req.Header.Set("Keep-Alive", "timeout=1")
	req.Header.Set("Proxy-Authorization", "Basic c2VjcmV0")
	req.Header.Set("Te", "trailers")
	req.Header.Set("Upgrade", "websocket")

	w, res, err := forward(p, req, Outbound{Method: "PUT", Path: "/v2/people/42", RequestID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || !res.Started || res.BytesOut != int64(w.Body.Len()) || res.Upstream <= 0 {
		t.Errorf("result = %+v, body %d bytes", res, w.Body.Len())
	}
	var got proxytest.Echoed
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"method", got.Method, "PUT"},
		{"request URI", got.RequestURI, "/base/v2/people/42?q=1&r=a%20b"},
		{"host", got.Host, strings.TrimPrefix(backend.URL, "http://")},
		{"body", got.Body, "hello body"},
		{"X-Forwarded-For", got.Header.Get("X-Forwarded-For"), "198.51.100.1, 192.0.2.7"},
		{"X-Forwarded-Proto", got.Header.Get("X-Forwarded-Proto"), "http"},
		{"X-Forwarded-Host", got.Header.Get("X-Forwarded-Host"), "g1.localhost"},
		{"X-Request-Id", got.Header.Get("X-Request-Id"), "req-1"},
		{"X-Caller", got.Header.Get("X-Caller"), "kept"},
		{"X-Static", got.Header.Get("X-Static"), "from-backend-config"},
		{"X-Override", got.Header.Get("X-Override"), "config"},
		{"User-Agent", got.Header.Get("User-Agent"), ""},
		{"response X-Backend", w.Header().Get("X-Backend"), "b1"},
		{"response X-Request-Id", w.Header().Get("X-Request-Id"), "req-1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	for _, h := range []string{"Connection", "X-Conn-Listed", "Keep-Alive", "Proxy-Authorization", "Te", "Upgrade"} {
		if v, ok := got.Header[h]; ok {
			t.Errorf("upstream got hop-by-hop header %s: %q", h, v)
		}
	}
	for _, h := range []string{"Connection", "X-Hop", "Keep-Alive"} {
		if v, ok := w.Header()[h]; ok {
			t.Errorf("client got hop-by-hop header %s: %q", h, v)
		}
	}
}

func TestForwardKeepsEscapingAndEmptyBody(t *testing.T) {
	bothClients(t, testForwardKeepsEscapingAndEmptyBody)
}

func testForwardKeepsEscapingAndEmptyBody(t *testing.T) {
	backend := proxytest.Echo(t, "b1")
	p := newPool(t, PoolConfig{URLs: []string{backend.URL}})
	tests := []struct{ path, want string }{
		{"/files/a%2Fb/c%20d", "/files/a%2Fb/c%20d"},
		{"", "/"},
		{"//double", "//double"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "http://g1.localhost/x", nil)
		w, _, err := forward(p, req, Outbound{Path: tt.path})
		if err != nil {
			t.Fatal(err)
		}
		var got proxytest.Echoed
		json.Unmarshal(w.Body.Bytes(), &got)
		if got.RequestURI != tt.want {
			t.Errorf("path %q: backend saw %q, want %q", tt.path, got.RequestURI, tt.want)
		}
		if te := got.Header.Get("Transfer-Encoding"); te != "" || got.Method != "GET" {
			t.Errorf("path %q: method %s, transfer-encoding %q", tt.path, got.Method, te)
		}
	}
}

// TestForwardStreamsBodies shows that neither body is buffered: the
// backend reads the first part of the request body while the client has
// not written the rest, and the client reads the first part of the answer
// while the backend has not written the rest.
func TestForwardStreamsBodies(t *testing.T) { bothClients(t, testForwardStreamsBodies) }

func testForwardStreamsBodies(t *testing.T) {
	gotFirst := make(chan struct{})
	sendRest := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 5)
		if _, err := io.ReadFull(r.Body, buf); err != nil || string(buf) != "first" {
			t.Errorf("backend read %q, %v", buf, err)
		}
		close(gotFirst)
		rest, _ := io.ReadAll(r.Body)
		w.WriteHeader(200)
		io.WriteString(w, "head:"+string(rest)+";")
		w.(http.Flusher).Flush()
		<-sendRest
		io.WriteString(w, "tail")
	}))
	defer backend.Close()
	p := newPool(t, PoolConfig{URLs: []string{backend.URL}})
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := p.Forward(w, r, Outbound{Path: r.URL.Path}); err != nil {
			t.Errorf("Forward: %v", err)
		}
	}))
	defer gw.Close()

	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, "first")
		<-gotFirst
		io.WriteString(pw, "second")
		pw.Close()
	}()
	resp, err := http.Post(gw.URL+"/s", "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, len("head:second;"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "head:second;" {
		t.Fatalf("first part of answer = %q, %v", buf, err)
	}
	close(sendRest)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "tail" {
		t.Errorf("rest of answer = %q, want %q", rest, "tail")
	}
}

func TestForwardErrors(t *testing.T) { bothClients(t, testForwardErrors) }

func testForwardErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		urls    []string
		timeout time.Duration
		ctx     context.Context
		want    *errcode.Condition
	}{
		{"refused", []string{proxytest.RefusingURL(t)}, 0, nil, errcode.SourceUnavailable},
		{"reset", []string{proxytest.Resetting(t)}, 0, nil, errcode.SourceUnavailable},
		{"slow", []string{proxytest.Slow(t, 5*time.Second).URL}, 50 * time.Millisecond, nil, errcode.DeadlineExceeded},
		{"garbage", []string{proxytest.Garbage(t)}, 0, nil, errcode.BadGateway},
		{"no target", nil, 0, nil, errcode.Unavailable},
		{"client gone", []string{proxytest.Slow(t, 5*time.Second).URL}, 0, cancelled, errcode.Cancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, PoolConfig{URLs: tt.urls, Timeout: tt.timeout})
			req := httptest.NewRequest("GET", "http://g1.localhost/x", nil)
			if tt.ctx != nil {
				req = req.WithContext(tt.ctx)
			}
			w, res, err := forward(p, req, Outbound{Path: "/x"})
			if !errcode.Has(err, tt.want) {
				t.Fatalf("err = %v, want %s", err, tt.want.Name)
			}
			if res.Started || w.Body.Len() != 0 {
				t.Errorf("started = %v, wrote %q; want nothing written", res.Started, w.Body.String())
			}
		})
	}
}

func TestPassiveHealth(t *testing.T) { bothClients(t, testPassiveHealth) }

func testPassiveHealth(t *testing.T) {
	clock := newFakeClock()
	bad := proxytest.RefusingURL(t)
	p := newPool(t, PoolConfig{URLs: []string{bad}, Clock: clock.Now})
	call := func() error {
		_, _, err := forward(p, httptest.NewRequest("GET", "http://g1.localhost/", nil), Outbound{})
		return err
	}
	steps := []struct {
		advance time.Duration
		want    *errcode.Condition
	}{
		{0, errcode.SourceUnavailable},
		{0, errcode.SourceUnavailable},
		{0, errcode.SourceUnavailable}, // third failure: cools down
		{0, errcode.Unavailable},
		{9 * time.Second, errcode.Unavailable},
		{time.Second, errcode.SourceUnavailable}, // tried again, fails again
		{0, errcode.Unavailable},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if err := call(); !errcode.Has(err, s.want) {
			t.Fatalf("step %d: err = %v, want %s", i, err, s.want.Name)
		}
	}
	if n := p.Healthy(); n != 0 {
		t.Errorf("Healthy() = %d, want 0", n)
	}
}

func TestPassiveHealthRecovers(t *testing.T) { bothClients(t, testPassiveHealthRecovers) }

func testPassiveHealthRecovers(t *testing.T) {
	clock := newFakeClock()
	// A backend that refuses at first and then comes back on the same
	// address: start it, note the address, close it, and restart there.
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	addr := s.Listener.Addr().String()
	s.Listener.Close()
	p := newPool(t, PoolConfig{URLs: []string{"http://" + addr}, Clock: clock.Now, FailThreshold: 2, Cooldown: time.Minute})
	call := func() error {
		_, _, err := forward(p, httptest.NewRequest("GET", "http://g1.localhost/", nil), Outbound{})
		return err
	}
	for range 2 {
		if err := call(); !errcode.Has(err, errcode.SourceUnavailable) {
			t.Fatalf("err = %v, want SOURCE_UNAVAILABLE", err)
		}
	}
	if err := call(); !errcode.Has(err, errcode.Unavailable) {
		t.Fatalf("err = %v, want UNAVAILABLE while cooling down", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	s.Listener = l
	s.Start()
	defer s.Close()
	clock.Advance(time.Minute)
	for i := range 3 {
		if err := call(); err != nil {
			t.Fatalf("call %d after cooldown: %v", i, err)
		}
	}
}

func TestRoundRobinSkipsCoolingTargets(t *testing.T) {
	bothClients(t, testRoundRobinSkipsCoolingTargets)
}

func testRoundRobinSkipsCoolingTargets(t *testing.T) {
	clock := newFakeClock()
	a, b := proxytest.Echo(t, "a"), proxytest.Echo(t, "b")
	bad := proxytest.RefusingURL(t)
	p := newPool(t, PoolConfig{URLs: []string{a.URL, b.URL, bad}, Clock: clock.Now})
	counts := map[string]int{}
	for range 30 {
		w, _, err := forward(p, httptest.NewRequest("GET", "http://g1.localhost/", nil), Outbound{})
		if err != nil {
			counts["error"]++
			continue
		}
		counts[w.Header().Get("X-Backend")]++
	}
	// The bad target fails three times and is then skipped; a and b share
	// the rest.
	if counts["error"] != 3 || counts["a"] < 12 || counts["b"] < 12 || counts["a"]+counts["b"] != 27 {
		t.Errorf("counts = %v, want 3 errors and a, b sharing 27", counts)
	}
}

func TestNewPoolRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"ftp://x", "http://", "http://h/p?q=1", "::"} {
		if _, err := NewPool(PoolConfig{URLs: []string{u}}); !errcode.Has(err, errcode.ParamValueInvalid) {
			t.Errorf("NewPool(%q): err = %v, want ParamValueInvalid", u, err)
		}
	}
}

func TestMock(t *testing.T) {
	tests := []struct {
		name      string
		m         *Mock
		method    string
		status    int
		ctype     string
		body      string
		extraHdr  string
		extraWant string
	}{
		{"json", NewMock(0, nil, `{"ok":true}`), "GET", 200, "application/json; charset=utf-8", `{"ok":true}`, "", ""},
		{"text", NewMock(201, map[string]string{"x-mock": "1"}, "made"), "POST", 201, "text/plain; charset=utf-8", "made", "X-Mock", "1"},
		{"typed", NewMock(418, map[string]string{"content-type": "application/xml"}, "<t/>"), "GET", 418, "application/xml", "<t/>", "", ""},
		{"head", NewMock(200, nil, "abc"), "HEAD", 200, "text/plain; charset=utf-8", "", "Content-Length", "3"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		res, err := tt.m.Serve(w, httptest.NewRequest(tt.method, "/", nil))
		if err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.status || res.Status != tt.status || w.Body.String() != tt.body || w.Header().Get("Content-Type") != tt.ctype {
			t.Errorf("%s: got %d %q %q, want %d %q %q", tt.name, w.Code, w.Header().Get("Content-Type"), w.Body.String(), tt.status, tt.ctype, tt.body)
		}
		if tt.extraHdr != "" && w.Header().Get(tt.extraHdr) != tt.extraWant {
			t.Errorf("%s: %s = %q, want %q", tt.name, tt.extraHdr, w.Header().Get(tt.extraHdr), tt.extraWant)
		}
	}
}

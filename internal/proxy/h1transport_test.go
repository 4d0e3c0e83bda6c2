package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// h1Pool returns a pool sending to url with a transport of its own, so
// that connection counts are not shared with other tests.
func h1Pool(t testing.TB, url string, tr *H1Transport, timeout time.Duration) *Pool {
	t.Helper()
	if tr == nil {
		tr = &H1Transport{}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return newPool(t, PoolConfig{URLs: []string{url}, Transport: tr, Timeout: timeout})
}

// get forwards a GET of path through p and returns the recorder.
func get(t testing.TB, p *Pool, method, path string) (*httptest.ResponseRecorder, Result, error) {
	t.Helper()
	return forward(p, httptest.NewRequest(method, "http://g1.localhost"+path, nil), Outbound{Path: path})
}

func ok(body string) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func TestH1RoundTripWithHTTPClient(t *testing.T) {
	backend := proxytest.Echo(t, "b")
	tr := &H1Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := range 3 {
		resp, err := c.Post(backend.URL+"/p?x=1", "text/plain", strings.NewReader("body"+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		var got proxytest.Echoed
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(b, &got); err != nil || got.Body != "body"+strconv.Itoa(i) || got.RequestURI != "/p?x=1" || got.Method != "POST" {
			t.Fatalf("request %d: %+v, %v", i, got, err)
		}
		if resp.StatusCode != 200 || resp.Proto != "HTTP/1.1" || resp.Header.Get("X-Backend") != "b" {
			t.Errorf("response %d: %d %s %v", i, resp.StatusCode, resp.Proto, resp.Header)
		}
	}
	if n := tr.idleCount(hostPort(strings.TrimPrefix(backend.URL, "http://"))); n != 1 {
		t.Errorf("idle connections = %d, want 1 (one connection, reused)", n)
	}
	if _, err := c.Get("https://127.0.0.1:1/"); !errors.Is(err, errH1Scheme) {
		t.Errorf("https: err = %v, want %v", err, errH1Scheme)
	}
	req, _ := http.NewRequest("CONNECT", backend.URL, nil)
	if _, err := tr.RoundTrip(req); err == nil {
		t.Error("CONNECT was sent")
	}
}

func TestH1SweepsIdleConnectionsWithoutCalls(t *testing.T) {
	backend := proxytest.Echo(t, "b")
	addr := hostPort(strings.TrimPrefix(backend.URL, "http://"))
	tr := &H1Transport{IdleConnTimeout: 100 * time.Millisecond}
	p := h1Pool(t, backend.URL, tr, 0)
	for round := range 2 {
		if _, _, err := get(t, p, "GET", "/"); err != nil {
			t.Fatal(err)
		}
		if n := tr.idleCount(addr); n != 1 {
			t.Fatalf("round %d: idle connections = %d, want 1", round, n)
		}
		deadline := time.Now().Add(3 * time.Second)
		for tr.idleCount(addr) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the idle connection was not swept", round)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestH1ChunkedResponse(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		for i := range 5 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Sum", "five")
	}))
	defer backend.Close()
	tr := &H1Transport{}
	p := h1Pool(t, backend.URL, tr, 0)
	for i := range 3 {
		w, res, err := get(t, p, "GET", "/c")
		if err != nil {
			t.Fatal(err)
		}
		if want := "part0;part1;part2;part3;part4;"; w.Body.String() != want || res.BytesOut != int64(len(want)) {
			t.Fatalf("request %d: body %q (%d bytes), want %q", i, w.Body.String(), res.BytesOut, want)
		}
		if got := w.Result().Trailer.Get("X-Sum"); got != "five" {
			t.Errorf("request %d: trailer X-Sum = %q, want five", i, got)
		}
		if te := w.Header().Get("Transfer-Encoding"); te != "" {
			t.Errorf("Transfer-Encoding %q passed to the client", te)
		}
	}
	if n := tr.idleCount(hostPort(strings.TrimPrefix(backend.URL, "http://"))); n != 1 {
		t.Errorf("idle connections = %d, want 1: a chunked body read to its end keeps the connection", n)
	}
}

func TestH1CloseDelimitedAndHTTP10(t *testing.T) {
	for _, tc := range []struct{ name, raw string }{
		{"no length", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"},
		{"http/1.0", "HTTP/1.0 200 OK\r\n\r\nuntil the end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, conns := proxytest.Conversation(t, func(int, *http.Request, []byte) (string, bool) { return tc.raw, true })
			tr := &H1Transport{}
			p := h1Pool(t, url, tr, 0)
			for i := range 2 {
				w, _, err := get(t, p, "GET", "/")
				if err != nil || w.Body.String() != "until the end" {
					t.Fatalf("request %d: %q, %v", i, w.Body.String(), err)
				}
			}
			if n := conns.Load(); n != 2 {
				t.Errorf("connections = %d, want 2: a close-delimited body ends its connection", n)
			}
		})
	}
	// An HTTP/1.0 backend that asks for keep-alive keeps its connection.
	url, conns := proxytest.Conversation(t, func(int, *http.Request, []byte) (string, bool) {
		return "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false
	})
	p := h1Pool(t, url, nil, 0)
	for range 3 {
		if w, _, err := get(t, p, "GET", "/"); err != nil || w.Body.String() != "ok" {
			t.Fatalf("%q, %v", w.Body.String(), err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("HTTP/1.0 keep-alive: connections = %d, want 1", n)
	}
}

func TestH1ResponsesWithoutBody(t *testing.T) {
	url, conns := proxytest.Conversation(t, func(n int, r *http.Request, _ []byte) (string, bool) {
		switch r.URL.Path {
		case "/head":
			return "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nX-K: v\r\n\r\n", false
		case "/204":
			return "HTTP/1.1 204 No Content\r\nX-K: v\r\n\r\n", false
		case "/304":
			return "HTTP/1.1 304 Not Modified\r\nEtag: \"e\"\r\nContent-Length: 99\r\n\r\n", false
		case "/empty":
			return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false
		}
		return ok("body"), false
	})
	tr := &H1Transport{}
	p := h1Pool(t, url, tr, 0)
	for _, tc := range []struct {
		method, path string
		status       int
		header, val  string
	}{
		{"HEAD", "/head", 200, "Content-Length", "1234"},
		{"GET", "/204", 204, "X-K", "v"},
		{"GET", "/304", 304, "Etag", `"e"`},
		{"GET", "/empty", 200, "", ""},
		{"GET", "/x", 200, "", ""},
	} {
		w, res, err := get(t, p, tc.method, tc.path)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		if w.Code != tc.status || res.Status != tc.status || (tc.path != "/x" && w.Body.Len() != 0) {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, w.Code, w.Body.String())
		}
		if tc.header != "" && w.Header().Get(tc.header) != tc.val {
			t.Errorf("%s %s: %s = %q, want %q", tc.method, tc.path, tc.header, w.Header().Get(tc.header), tc.val)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("connections = %d, want 1: a response without a body leaves the connection reusable", n)
	}
}

func TestH1InterimResponses(t *testing.T) {
	url, _ := proxytest.Conversation(t, func(n int, r *http.Request, _ []byte) (string, bool) {
		switch r.URL.Path {
		case "/continue":
			return "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + ok("final"), false
		case "/101":
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", true
		case "/many":
			return strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", max1xx+2) + ok("late"), false
		}
		return ok(""), false
	})
	p := h1Pool(t, url, nil, 0)
	w, _, err := get(t, p, "GET", "/continue")
	if err != nil || w.Code != 200 || w.Body.String() != "final" || w.Header().Get("Link") != "" {
		t.Errorf("continue: %d %q %v, %v", w.Code, w.Body.String(), w.Header(), err)
	}
	for _, path := range []string{"/101", "/many"} {
		if _, _, err := get(t, p, "GET", path); !errcode.Has(err, errcode.BadGateway) {
			t.Errorf("%s: err = %v, want BAD_GATEWAY", path, err)
		}
	}
}

func TestH1MalformedResponses(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		name, raw string
		want      *errcode.Condition
		started   bool
	}{
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", errcode.BadGateway, false},
		{"bad code", "HTTP/1.1 2x0 OK\r\n\r\n", errcode.BadGateway, false},
		{"http/2 line", "HTTP/2 200\r\n\r\n", errcode.BadGateway, false},
		{"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", errcode.BadGateway, false},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", errcode.BadGateway, false},
		{"chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", errcode.BadGateway, false},
		// Codings net/http's Transport does not take either
		// (FuzzH1ResponseAgrees): the body would reach the client still
		// coded, or be framed differently from how a client reads it.
		{"coding before chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", errcode.BadGateway, false},
		{"identity coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nuntil the end", errcode.BadGateway, false},
		{"chunked in http/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", errcode.BadGateway, false},
		{"CR inside a field", "HTTP/1.1 200 OK\nX-A: 1\r  \nContent-Length: 0\n\n", errcode.BadGateway, false},
		{"bare LF in chunked framing", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", errcode.BadGateway, true},
		{"length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", errcode.BadGateway, false},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n", errcode.BadGateway, false},
		{"space before colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n", errcode.BadGateway, false},
		{"control in value", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", errcode.BadGateway, false},
		{"head too large", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Long: "+long+"\r\n", 10) + "\r\n", errcode.BadGateway, false},
		{"cut in the head", "HTTP/1.1 200 OK\r\nContent-Len", errcode.SourceUnavailable, false},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", errcode.BadGateway, true},
		{"chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", errcode.BadGateway, true},
		{"cut in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", errcode.SourceUnavailable, true},
		{"cut in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", errcode.SourceUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := proxytest.Conversation(t, func(int, *http.Request, []byte) (string, bool) { return tt.raw, true })
			p := h1Pool(t, url, &H1Transport{MaxResponseHeaderBytes: 2048}, 0)
			_, res, err := get(t, p, "GET", "/")
			if !errcode.Has(err, tt.want) || res.Started != tt.started {
				t.Errorf("err = %v, started = %v; want %s, started = %v", err, res.Started, tt.want.Name, tt.started)
			}
		})
	}
}

func TestH1LongHeadAndBothFramings(t *testing.T) {
	long := strings.Repeat("v", 3000)
	url, conns := proxytest.Conversation(t, func(n int, r *http.Request, _ []byte) (string, bool) {
		if r.URL.Path == "/both" {
			// Transfer-Encoding wins over Content-Length, which is
			// dropped, and the connection is not reused.
			return "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false
		}
		return "HTTP/1.1 200 OK\r\nx-lower-case: yes\r\nX-Long-1: " + long + "\r\nX-Long-2: " + long + "\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 4\r\n\r\nlong", false
	})
	p := h1Pool(t, url, nil, 0)
	w, _, err := get(t, p, "GET", "/long")
	if err != nil || w.Body.String() != "long" || w.Header().Get("X-Long-2") != long ||
		w.Header().Get("X-Lower-Case") != "yes" || strings.Join(w.Header()["Set-Cookie"], ",") != "a=1,b=2" {
		t.Fatalf("long head: %q %v", w.Body.String(), err)
	}
	w, _, err = get(t, p, "GET", "/both")
	if err != nil || w.Body.String() != "hello" || w.Header().Get("Content-Length") != "" {
		t.Fatalf("both framings: %q %v %v", w.Body.String(), w.Header(), err)
	}
	if _, _, err := get(t, p, "GET", "/long"); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("connections = %d, want 2", n)
	}
}

// staleBackend answers every request and then closes the connection
// without saying so (no Connection: close), as a backend does when its
// idle timeout strikes right after an answer. It counts the requests it
// answered, by method.
func staleBackend(t *testing.T) (string, *atomic.Int64, func(method string) int) {
	var mu sync.Mutex
	seen := map[string]int{}
	url, conns := proxytest.Conversation(t, func(n int, r *http.Request, _ []byte) (string, bool) {
		mu.Lock()
		seen[r.Method]++
		mu.Unlock()
		return ok("fine"), true
	})
	return url, conns, func(m string) int {
		mu.Lock()
		defer mu.Unlock()
		return seen[m]
	}
}

// waitForFIN gives the backend's close time to arrive, but not the 200 ms
// after which an idle connection is probed before use.
func waitForFIN() { time.Sleep(20 * time.Millisecond) }

func TestH1RetriesStaleConnectionForGET(t *testing.T) {
	url, conns, seen := staleBackend(t)
	clock := newFakeClock()
	tr := &H1Transport{}
	p := newPool(t, PoolConfig{URLs: []string{url}, Transport: tr, Clock: clock.Now, FailThreshold: 1})
	for i := range 3 {
		w, _, err := get(t, p, "GET", "/")
		if err != nil || w.Body.String() != "fine" {
			t.Fatalf("GET %d: %q, %v", i, w.Body.String(), err)
		}
		waitForFIN()
	}
	if got := seen("GET"); got != 3 {
		t.Errorf("backend answered %d GETs, want 3", got)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("connections = %d, want 3 (each stale one replaced once)", n)
	}
	if p.Healthy() != 1 {
		t.Error("a stale pooled connection counted against the target's health")
	}
}

func TestH1DoesNotRetryPOSTOnStaleConnection(t *testing.T) {
	url, _, seen := staleBackend(t)
	clock := newFakeClock()
	tr := &H1Transport{}
	p := newPool(t, PoolConfig{URLs: []string{url}, Transport: tr, Clock: clock.Now, FailThreshold: 1})
	post := func() (*httptest.ResponseRecorder, error) {
		w, _, err := forward(p, httptest.NewRequest("POST", "http://g1.localhost/", strings.NewReader("data")), Outbound{})
		return w, err
	}
	if w, err := post(); err != nil || w.Body.String() != "fine" {
		t.Fatalf("first POST: %q, %v", w.Body.String(), err)
	}
	waitForFIN()
	_, err := post()
	if !errcode.Has(err, errcode.SourceUnavailable) {
		t.Fatalf("POST on a stale connection: err = %v, want SOURCE_UNAVAILABLE", err)
	}
	var stale *staleConnError
	if !errors.As(err, &stale) {
		t.Errorf("err = %v, want a staleConnError inside", err)
	}
	if got := seen("POST"); got != 1 {
		t.Errorf("backend answered %d POSTs, want 1: a POST is never sent twice", got)
	}
	if p.Healthy() != 1 {
		t.Error("a stale pooled connection counted against the target's health")
	}
	// The retry rule is http.Transport's: an Idempotency-Key makes a POST
	// replayable when its body can be had again.
	req := httptest.NewRequest("POST", "http://g1.localhost/", nil)
	req.Header.Set("Idempotency-Key", "k1")
	if !replayable(req) {
		t.Error("a bodiless POST with Idempotency-Key is not replayable")
	}
}

// TestH1ProbesLongIdleConnections shows that a connection idle for longer
// than probeAfter is checked before use: the POST goes on a fresh
// connection instead of failing on the one the backend closed.
func TestH1ProbesLongIdleConnections(t *testing.T) {
	url, conns, seen := staleBackend(t)
	p := h1Pool(t, url, nil, 0)
	for i := range 2 {
		w, _, err := forward(p, httptest.NewRequest("POST", "http://g1.localhost/", strings.NewReader("data")), Outbound{})
		if err != nil || w.Body.String() != "fine" {
			t.Fatalf("POST %d: %q, %v", i, w.Body.String(), err)
		}
		time.Sleep(probeAfter + 50*time.Millisecond)
	}
	if seen("POST") != 2 || conns.Load() != 2 {
		t.Errorf("POSTs %d, connections %d; want 2, 2", seen("POST"), conns.Load())
	}
}

func TestH1IdlePoolCapAndTimeout(t *testing.T) {
	release := make(chan struct{})
	var inflight atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			inflight.Add(1)
			<-release
		}
		io.WriteString(w, "ok")
	}))
	defer backend.Close()
	addr := strings.TrimPrefix(backend.URL, "http://")
	tr := &H1Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 300 * time.Millisecond}
	p := h1Pool(t, backend.URL, tr, 0)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, _, err := get(t, p, "GET", "/wait"); err != nil {
				t.Error(err)
			}
		})
	}
	for inflight.Load() < 6 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := tr.idleCount(addr); n != 2 {
		t.Errorf("idle connections = %d, want the cap, 2", n)
	}
	time.Sleep(400 * time.Millisecond)
	// The expired connections are not used: the call dials, and putting
	// its connection back sweeps the oldest expired one.
	if _, _, err := get(t, p, "GET", "/"); err != nil {
		t.Fatal(err)
	}
	if n := tr.idleCount(addr); n != 1 {
		t.Errorf("idle connections after the idle timeout = %d, want 1", n)
	}
}

func TestH1CancelClosesConnection(t *testing.T) {
	backendSaw := make(chan error, 2)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "12345")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
			backendSaw <- r.Context().Err()
		case <-time.After(5 * time.Second):
			backendSaw <- nil
		}
	}))
	defer backend.Close()
	tr := &H1Transport{}
	defer tr.CloseIdleConnections()

	// Waiting for the head.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", backend.URL+"/head", nil)
	start := time.Now()
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("RoundTrip returned after %v", d)
	}
	if err := <-backendSaw; err == nil {
		t.Error("the backend's request was not cancelled")
	}

	// Reading the body.
	ctx, cancel = context.WithCancel(context.Background())
	req, _ = http.NewRequestWithContext(ctx, "GET", backend.URL+"/body", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := resp.Body.Read(buf); !errors.Is(err, context.Canceled) {
		t.Errorf("body read after cancel: err = %v, want context.Canceled", err)
	}
	resp.Body.Close()
	if err := <-backendSaw; err == nil {
		t.Error("the backend's request was not cancelled")
	}
	if n := tr.idleCount(hostPort(strings.TrimPrefix(backend.URL, "http://"))); n != 0 {
		t.Errorf("idle connections = %d, want 0", n)
	}
}

// TestForwardClientGoneMidway: the gateway's client hangs up while the
// backend is still thinking; Forward reports Cancelled and the backend's
// request is cancelled too, with each client.
func TestForwardClientGoneMidway(t *testing.T) { bothClients(t, testForwardClientGoneMidway) }

func testForwardClientGoneMidway(t *testing.T) {
	backendDone := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(backendDone)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			t.Error("backend request not cancelled")
		}
	}))
	defer backend.Close()
	p := newPool(t, PoolConfig{URLs: []string{backend.URL}})
	errc := make(chan error, 1)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := p.Forward(w, r, Outbound{Path: "/"})
		errc <- err
	}))
	defer gw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", gw.URL+"/", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	select {
	case err := <-errc:
		if !errcode.Has(err, errcode.Cancelled) {
			t.Errorf("Forward: err = %v, want CANCELLED", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Forward did not return after the client left")
	}
	<-backendDone
}

func TestH1HeaderTimeoutDoesNotCutTheBody(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "6")
		io.WriteString(w, "ab")
		w.(http.Flusher).Flush()
		time.Sleep(150 * time.Millisecond)
		io.WriteString(w, "cd")
		w.(http.Flusher).Flush()
		time.Sleep(150 * time.Millisecond)
		io.WriteString(w, "ef")
	}))
	defer backend.Close()
	p := h1Pool(t, backend.URL, nil, 50*time.Millisecond)
	for range 2 {
		w, _, err := get(t, p, "GET", "/")
		if err != nil || w.Body.String() != "abcdef" {
			t.Fatalf("%q, %v", w.Body.String(), err)
		}
	}
	slow := h1Pool(t, proxytest.Slow(t, 5*time.Second).URL, nil, 50*time.Millisecond)
	start := time.Now()
	if _, _, err := get(t, slow, "GET", "/"); !errcode.Has(err, errcode.DeadlineExceeded) {
		t.Fatalf("slow: err = %v, want DEADLINE_EXCEEDED", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > time.Second {
		t.Errorf("timed out after %v, want about 50 ms", d)
	}
}

func TestH1SetDeadlineSlack(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	c := &h1Conn{nc: c1}
	base := time.Now()
	c.setDeadline(base.Add(time.Second), 100*time.Millisecond)
	first := c.deadline
	if want := base.Add(1100 * time.Millisecond); !first.Equal(want) {
		t.Fatalf("deadline %v, want %v", first, want)
	}
	c.setDeadline(base.Add(time.Second+50*time.Millisecond), 100*time.Millisecond)
	if !c.deadline.Equal(first) {
		t.Error("a deadline within the slack was moved")
	}
	c.setDeadline(base.Add(time.Second+150*time.Millisecond), 100*time.Millisecond)
	if c.deadline.Equal(first) {
		t.Error("a deadline past the slack was kept")
	}
	c.setDeadline(base.Add(500*time.Millisecond), 100*time.Millisecond)
	if !c.deadline.Equal(base.Add(600 * time.Millisecond)) {
		t.Error("an earlier deadline was not set")
	}
	c.setDeadline(time.Time{}, 0)
	if !c.deadline.IsZero() {
		t.Error("the deadline was not cleared")
	}
}

// failingBody yields some bytes, then err.
type failingBody struct {
	n   int
	err error
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, b.err
	}
	n := min(len(p), b.n)
	for i := range n {
		p[i] = 'x'
	}
	b.n -= n
	return n, nil
}

func (b *failingBody) Close() error { return nil }

func TestH1RequestBodyErrors(t *testing.T) {
	backend := proxytest.Echo(t, "b")
	tooLarge := errcode.New(errcode.RequestTooLarge, "")
	for _, tc := range []struct {
		name   string
		length int64
		n      int
		err    error
		want   *errcode.Condition
	}{
		{"small, too large", 1000, 100, tooLarge, errcode.RequestTooLarge},
		{"small, client gone", 1000, 100, io.ErrUnexpectedEOF, errcode.Cancelled},
		{"small, shorter than its length", 1000, 100, io.EOF, errcode.Cancelled},
		{"unknown length, too large", -1, 100 << 10, tooLarge, errcode.RequestTooLarge},
		{"unknown length, client gone", -1, 100 << 10, io.ErrUnexpectedEOF, errcode.Cancelled},
		{"large, client gone", 1 << 20, 100 << 10, io.ErrUnexpectedEOF, errcode.Cancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			p := newPool(t, PoolConfig{URLs: []string{backend.URL}, Transport: &H1Transport{}, Clock: clock.Now, FailThreshold: 1})
			req := httptest.NewRequest("POST", "http://g1.localhost/", nil)
			req.Body, req.ContentLength = &failingBody{n: tc.n, err: tc.err}, tc.length
			_, _, err := forward(p, req, Outbound{})
			if !errcode.Has(err, tc.want) {
				t.Errorf("err = %v, want %s", err, tc.want.Name)
			}
			if p.Healthy() != 1 {
				t.Error("the client's body failure counted against the target's health")
			}
		})
	}
}

// TestH1EarlyResponse: the backend answers without reading a large body
// of unknown length; the answer reaches the client, nothing hangs.
func TestH1EarlyResponse(t *testing.T) {
	url, _ := proxytest.RawServer(t, func(c *net.TCPConn) {
		io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig")
		c.CloseWrite()
		time.Sleep(100 * time.Millisecond)
	})
	p := h1Pool(t, url, nil, 2*time.Second)
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("z"), 32<<10)
		for range 1024 { // 32 MiB, far more than socket buffers hold
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	defer pr.Close()
	req := httptest.NewRequest("PUT", "http://g1.localhost/", pr)
	req.ContentLength = -1
	done := make(chan struct{})
	var w *httptest.ResponseRecorder
	var err error
	go func() {
		w, _, err = forward(p, req, Outbound{})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Forward hung on a backend that answered early")
	}
	if err != nil || w.Code != 413 || w.Body.String() != "big" {
		t.Fatalf("%d %q, %v", w.Code, w.Body.String(), err)
	}
}

func TestH1WritesRequests(t *testing.T) {
	raw := make(chan string, 1)
	url, _ := proxytest.Conversation(t, func(n int, r *http.Request, body []byte) (string, bool) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s|host=%s|cl=%d|te=%v|ua=%q|%s|trailer=%v",
			r.Method, r.RequestURI, r.Proto, r.Host, r.ContentLength, r.TransferEncoding, r.Header.Get("User-Agent"), body, r.Trailer)
		raw <- b.String()
		return ok(""), false
	})
	tr := &H1Transport{}
	defer tr.CloseIdleConnections()
	do := func(req *http.Request) string {
		t.Helper()
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return <-raw
	}
	req, _ := http.NewRequest("GET", url+"/a%2Fb?q=1", nil)
	req.Header.Set("User-Agent", "")
	if got, want := do(req), "GET /a%2Fb?q=1 HTTP/1.1|host="+strings.TrimPrefix(url, "http://")+"|cl=0|te=[]|ua=\"\"||trailer=map[]"; got != want {
		t.Errorf("GET:\n got %s\nwant %s", got, want)
	}
	req, _ = http.NewRequest("POST", url+"/p", nil)
	req.Host = "virtual.example"
	if got := do(req); !strings.HasPrefix(got, "POST /p HTTP/1.1|host=virtual.example|cl=0|") {
		t.Errorf("empty POST: %s", got)
	}
	req, _ = http.NewRequest("PUT", url+"/p", strings.NewReader("sized"))
	if got := do(req); !strings.Contains(got, "|cl=5|te=[]|") || !strings.Contains(got, "|sized|") {
		t.Errorf("sized PUT: %s", got)
	}
	req, _ = http.NewRequest("PUT", url+"/p", io.MultiReader(strings.NewReader("chun"), strings.NewReader("ked")))
	req.Trailer = http.Header{"X-Check": {"ok"}}
	if got := do(req); !strings.Contains(got, "|cl=-1|te=[chunked]|") || !strings.Contains(got, "|chunked|trailer=map[X-Check:[ok]]") {
		t.Errorf("chunked PUT: %s", got)
	}
	for _, h := range []http.Header{{"X-Bad": {"a\r\nInjected: 1"}}, {"Bad Name": {"v"}}} {
		req, _ = http.NewRequest("GET", url+"/", nil)
		req.Header = h
		if _, err := tr.RoundTrip(req); err == nil {
			t.Errorf("header %v was sent", h)
		}
	}
}

// TestH1LargeStreamedBodies sends 8 MiB each way through a gateway, with
// a known length and without one, and checks every byte.
func TestH1LargeStreamedBodies(t *testing.T) {
	const size = 8 << 20
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	sum := sha256.Sum256(payload)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil || n != size || !bytes.Equal(h.Sum(nil), sum[:]) {
			http.Error(w, fmt.Sprintf("got %d bytes, %v", n, err), 400)
			return
		}
		if r.URL.Query().Get("sized") == "1" {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		for off := 0; off < size; off += 100 << 10 {
			w.Write(payload[off:min(off+100<<10, size)])
		}
	}))
	defer backend.Close()
	tr := &H1Transport{}
	p := h1Pool(t, backend.URL, tr, 0)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := p.Forward(w, r, Outbound{Path: r.URL.Path}); err != nil {
			t.Errorf("Forward: %v", err)
		}
	}))
	defer gw.Close()
	for _, sized := range []bool{true, false} {
		var body io.Reader = bytes.NewReader(payload)
		if !sized {
			body = io.MultiReader(body) // hides the length
		}
		q := "0"
		if sized {
			q = "1"
		}
		resp, err := http.Post(gw.URL+"/up?sized="+q, "application/octet-stream", body)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n != size || !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Fatalf("sized=%v: status %d, %d bytes, %v", sized, resp.StatusCode, n, err)
		}
	}
	if n := tr.idleCount(hostPort(strings.TrimPrefix(backend.URL, "http://"))); n != 1 {
		t.Errorf("idle connections = %d, want 1", n)
	}
}

// TestH1Concurrent runs many callers at once through a gateway on one
// H1Transport, each checking its own answers; run with -race.
func TestH1Concurrent(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Id", r.Header.Get("X-Id"))
		if r.URL.Query().Get("chunked") == "1" {
			w.Write(b)
			w.(http.Flusher).Flush()
			io.WriteString(w, r.URL.RawQuery)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)+len(r.URL.RawQuery)))
		w.Write(b)
		io.WriteString(w, r.URL.RawQuery)
	}))
	defer backend.Close()
	tr := &H1Transport{MaxIdleConnsPerHost: 8}
	p := h1Pool(t, backend.URL, tr, 5*time.Second)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := p.Forward(w, r, Outbound{Path: r.URL.Path}); err != nil {
			w.WriteHeader(502)
		}
	}))
	defer gw.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 60 {
				id := fmt.Sprintf("%d-%d", g, i)
				q := fmt.Sprintf("id=%s&chunked=%d", id, i%2)
				var req *http.Request
				want := q
				switch i % 3 {
				case 0:
					req, _ = http.NewRequest("GET", gw.URL+"/x?"+q, nil)
				case 1:
					body := strings.Repeat(id, i)
					req, _ = http.NewRequest("POST", gw.URL+"/x?"+q, strings.NewReader(body))
					want = body + q
				default:
					body := strings.Repeat("y", 70<<10) + id
					req, _ = http.NewRequest("PUT", gw.URL+"/x?"+q, io.MultiReader(strings.NewReader(body)))
					want = body + q
				}
				req.Header.Set("X-Id", id)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(b) != want || resp.Header.Get("X-Echo-Id") != id {
					t.Errorf("%s: %d, %d bytes (want %d), id %q, %v", id, resp.StatusCode, len(b), len(want), resp.Header.Get("X-Echo-Id"), err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := tr.idleCount(hostPort(strings.TrimPrefix(backend.URL, "http://"))); n > 8 {
		t.Errorf("idle connections = %d, over the cap of 8", n)
	}
}

func TestH1BodyCloseEarlyClosesConnection(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("b"), 1<<20))
	}))
	defer backend.Close()
	tr := &H1Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", backend.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 10)); err != http.ErrBodyReadAfterClose {
		t.Errorf("read after close: %v", err)
	}
	if n := tr.idleCount(hostPort(strings.TrimPrefix(backend.URL, "http://"))); n != 0 {
		t.Errorf("idle connections = %d, want 0", n)
	}
}

func TestParseChunkSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1a": 26, "FF": 255, "10;ext=1": 16, "8 ; x": 8, "fffffffffffffff": 1<<60 - 1} {
		if n, ok := parseChunkSize([]byte(in)); !ok || n != want {
			t.Errorf("parseChunkSize(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
	for _, in := range []string{"", "x", ";", "1 2", "ffffffffffffffff", "-1"} {
		if _, ok := parseChunkSize([]byte(in)); ok {
			t.Errorf("parseChunkSize(%q) accepted", in)
		}
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{"h": "h:80", "h:81": "h:81", "[::1]": "[::1]:80", "[::1]:8080": "[::1]:8080", "1.2.3.4": "1.2.3.4:80"} {
		if got := hostPort(in); got != want {
			t.Errorf("hostPort(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestH1StrayBytesOnPooledConnection: a backend sends a body after its
// answer to HEAD, late. The next request on that connection reads those
// bytes where a status line should be; a GET is sent again on a fresh
// connection, a POST fails as BAD_GATEWAY, and neither hurts the target's
// health.
func TestH1StrayBytesOnPooledConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					if req.Method == "HEAD" {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
						time.Sleep(20 * time.Millisecond)
						io.WriteString(c, "stray")
						continue
					}
					io.WriteString(c, ok(req.Method))
				}
			}()
		}
	}()
	clock := newFakeClock()
	p := newPool(t, PoolConfig{URLs: []string{"http://" + l.Addr().String()}, Transport: &H1Transport{}, Clock: clock.Now, FailThreshold: 1})
	if _, _, err := get(t, p, "HEAD", "/"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	w, _, err := get(t, p, "GET", "/")
	if err != nil || w.Body.String() != "GET" {
		t.Fatalf("GET after the stray bytes: %q, %v", w.Body.String(), err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("connections = %d, want 2", n)
	}
	if _, _, err := get(t, p, "HEAD", "/"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	_, _, err = forward(p, httptest.NewRequest("POST", "http://g1.localhost/", strings.NewReader("x")), Outbound{})
	if !errcode.Has(err, errcode.BadGateway) {
		t.Errorf("POST after the stray bytes: err = %v, want BAD_GATEWAY", err)
	}
	if p.Healthy() != 1 {
		t.Error("stray bytes counted against the target's health")
	}
}

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// These tests document what engine (c) does and does not do; the
// limitations they pin are quoted in docs/benchmarks.md. If one starts to
// fail because fasthttp gained the feature, update that page.

// newPair starts backend (net/http) and the fasthttp forwarder in front of it.
func newPair(t *testing.T, backend http.Handler) string {
	t.Helper()
	b := httptest.NewServer(backend)
	t.Cleanup(b.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: newHandler(strings.TrimPrefix(b.URL, "http://"))}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

func TestForwards(t *testing.T) {
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	resp, err := http.Get(front + "/a")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello" || resp.StatusCode != 200 {
		t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, "hello")
	}
}

// fasthttp's RequestCtx.Done is closed only when the server shuts down, and
// HostClient.Do takes no context: a client that leaves does not cancel the
// upstream call.
func TestClientGoneDoesNotCancelUpstream(t *testing.T) {
	cancelled := make(chan struct{})
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(2 * time.Second):
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", front+"/slow", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request succeeded, want the client's timeout")
	}
	select {
	case <-cancelled:
		t.Fatal("the backend request was cancelled: fasthttp now propagates client departure")
	case <-time.After(1500 * time.Millisecond):
	}
}

// With the defaults (no StreamResponseBody), the whole upstream response is
// buffered before the client sees its first byte.
func TestBuffersWholeResponse(t *testing.T) {
	release := make(chan struct{})
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "second\n")
	}))
	first := make(chan string, 1)
	go func() {
		resp, err := http.Get(front + "/stream")
		if err != nil {
			first <- err.Error()
			return
		}
		defer resp.Body.Close()
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		first <- line
	}()
	select {
	case line := <-first:
		close(release)
		t.Fatalf("client got %q before the backend finished: fasthttp now streams by default", line)
	case <-time.After(time.Second):
	}
	close(release)
	if line := <-first; line != "first\n" {
		t.Fatalf("first line = %q, want %q", line, "first\n")
	}
}

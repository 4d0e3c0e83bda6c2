// Package proxycheck holds the behaviour tests every engine's proxy must
// pass (hop-by-hop stripping, cancellation when the client leaves,
// streaming), so that each engine's main_test runs the same checks.
package proxycheck

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// Run runs every check against the proxy that newProxy builds in front of
// a backend's URL.
func Run(t *testing.T, newProxy func(backend *url.URL) http.Handler) {
	newPair := func(t *testing.T, backend http.Handler) *httptest.Server {
		t.Helper()
		b := httptest.NewServer(backend)
		t.Cleanup(b.Close)
		u, err := url.Parse(b.URL)
		if err != nil {
			t.Fatal(err)
		}
		f := httptest.NewServer(newProxy(u))
		t.Cleanup(f.Close)
		return f
	}
	t.Run("ForwardsWithoutHopByHopHeaders", func(t *testing.T) { checkForwardsWithoutHopByHopHeaders(t, newPair) })
	t.Run("ClientGoneCancelsUpstream", func(t *testing.T) { checkClientGoneCancelsUpstream(t, newPair) })
	t.Run("StreamsUnknownLengthBodies", func(t *testing.T) { checkStreamsUnknownLengthBodies(t, newPair) })
}

func checkForwardsWithoutHopByHopHeaders(t *testing.T, newPair func(*testing.T, http.Handler) *httptest.Server) {
	got := make(chan http.Header, 1)
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.Header().Set("X-Backend", "yes")
		w.Header().Set("Keep-Alive", "timeout=5")
		io.WriteString(w, "hello")
	}))
	req, _ := http.NewRequest("GET", front.URL+"/a?b=c", nil)
	req.Header.Set("Connection", "X-Private, keep-alive")
	req.Header.Set("X-Private", "secret")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("Proxy-Authorization", "Basic eDp5")
	req.Header.Set("X-Keep", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello" || resp.StatusCode != 200 {
		t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, "hello")
	}
	if v := resp.Header.Get("X-Backend"); v != "yes" {
		t.Errorf("response X-Backend = %q, want %q", v, "yes")
	}
	if v := resp.Header.Get("Keep-Alive"); v != "" {
		t.Errorf("response Keep-Alive = %q, want it removed", v)
	}
	h := <-got
	for _, k := range []string{"X-Private", "Keep-Alive", "Proxy-Authorization"} {
		if v := h.Get(k); v != "" {
			t.Errorf("backend got %s: %q, want it removed", k, v)
		}
	}
	if v := h.Get("X-Keep"); v != "1" {
		t.Errorf("backend got X-Keep %q, want %q", v, "1")
	}
}

func checkClientGoneCancelsUpstream(t *testing.T, newPair func(*testing.T, http.Handler) *httptest.Server) {
	cancelled := make(chan struct{})
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(5 * time.Second):
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", front.URL+"/slow", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request succeeded, want the client's timeout")
	}
	select {
	case <-cancelled:
	case <-time.After(3 * time.Second):
		t.Fatal("the backend request was not cancelled after the client went away")
	}
}

func checkStreamsUnknownLengthBodies(t *testing.T, newPair func(*testing.T, http.Handler) *httptest.Server) {
	release := make(chan struct{})
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "second\n")
	}))
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", front.URL+"/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line = %q, %v; want %q before the backend finishes", line, err, "first\n")
	}
}

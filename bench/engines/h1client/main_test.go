package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newPair starts backend and the lean forwarder in front of it.
func newPair(t *testing.T, backend http.Handler) *httptest.Server {
	t.Helper()
	b := httptest.NewServer(backend)
	t.Cleanup(b.Close)
	u, err := url.Parse(b.URL)
	if err != nil {
		t.Fatal(err)
	}
	f := httptest.NewServer(newForwarder(u))
	t.Cleanup(f.Close)
	return f
}

func TestForwardsWithoutHopByHopHeaders(t *testing.T) {
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

func TestClientGoneCancelsUpstream(t *testing.T) {
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

func TestStreamsUnknownLengthBodies(t *testing.T) {
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

func TestForwardsBodies(t *testing.T) {
	front := newPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %d %q", r.Method, r.ContentLength, b)
	}))
	for _, tc := range []struct {
		name string
		body io.Reader
		want string
	}{
		{"length", strings.NewReader("abc"), `POST 3 "abc"`},
		{"chunked", io.MultiReader(strings.NewReader("ab"), strings.NewReader("cd")), `POST -1 "abcd"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(front.URL+"/p", "text/plain", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != tc.want {
				t.Fatalf("got %q, want %q", b, tc.want)
			}
		})
	}
}

func TestRetriesStalePooledConnection(t *testing.T) {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	t.Cleanup(b.Close)
	u, _ := url.Parse(b.URL)
	front := httptest.NewServer(newForwarder(u))
	t.Cleanup(front.Close)
	for i := 0; i < 3; i++ {
		resp, err := http.Get(front.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("request %d: got %d %q, want 200 %q", i, resp.StatusCode, body, "ok")
		}
		b.CloseClientConnections() // the pooled upstream connection goes stale
		time.Sleep(50 * time.Millisecond)
	}
}

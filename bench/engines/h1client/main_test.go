package main

import (
	"fmt"
	"github.com/tollgate-gw/tollgate/bench/engines/internal/proxycheck"
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

// TestProxyBehaviour runs the checks every engine must pass.
func TestProxyBehaviour(t *testing.T) {
	proxycheck.Run(t, func(u *url.URL) http.Handler { return newForwarder(u) })
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

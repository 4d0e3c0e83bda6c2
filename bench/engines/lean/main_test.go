package main

import (
	"github.com/tollgate-gw/tollgate/bench/engines/internal/proxycheck"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
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

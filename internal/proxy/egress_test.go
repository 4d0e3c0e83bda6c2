package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// TestEgressAtDial runs a backend on the loopback and reaches it by the
// name "localhost", which only a resolver turns into an address: with
// each upstream client, a tenant's pool is refused at the dial with
// SOURCE_UNAVAILABLE and a WARN naming group, URL, address and rule, and
// the operator's pool is served; a tenant's pool whose range the operator
// allowed is served; the gateway's own port is refused to the operator.
func TestEgressAtDial(t *testing.T) { bothClients(t, testEgressAtDial) }

func testEgressAtDial(t *testing.T) {
	echo := proxytest.Echo(t, "echo")
	_, port, _ := net.SplitHostPort(echo.Listener.Addr().String())
	byName := "http://localhost:" + port

	gateway, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer gateway.Close()
	go http.Serve(gateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("admin")) }))
	_, gwPort, _ := net.SplitHostPort(gateway.Addr().String())

	policy := egress.New(nil)
	policy.AddListener(gateway.Addr())
	up := NewUpstream(policy)
	defer up.CloseIdleConnections()
	allowing := NewUpstream(egress.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}))
	defer allowing.CloseIdleConnections()

	tests := []struct {
		name   string
		url    string
		c      *Clients
		rule   string // "" when served
		target string
	}{
		{"tenant by name", byName, up.For(egress.Tenant), egress.RulePrivate, byName},
		{"operator by name", byName, up.For(egress.Operator), "", ""},
		{"tenant, range allowed", byName, allowing.For(egress.Tenant), "", ""},
		{"default tenant clients", byName, (*Upstream)(nil).For(egress.Tenant), egress.RulePrivate, byName},
		{"operator to the gateway", "http://localhost:" + gwPort, up.For(egress.Operator), egress.RuleGatewayListener, "http://localhost:" + gwPort},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		p := newPool(t, PoolConfig{URLs: []string{tt.url}, Clients: tt.c, Name: "g-1/online",
			Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		w, _, err := forward(p, httptest.NewRequest("GET", "/x", nil), Outbound{})
		if tt.rule == "" {
			if err != nil || w.Code != 200 {
				t.Errorf("%s: got %d %v, want 200", tt.name, w.Code, err)
			}
			continue
		}
		if !errcode.Has(err, errcode.SourceUnavailable) {
			t.Errorf("%s: got %v, want SOURCE_UNAVAILABLE", tt.name, err)
			continue
		}
		var line struct {
			Level, Msg, Group, URL, Address, Rule string
		}
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Errorf("%s: log %q: %v", tt.name, logs.String(), err)
			continue
		}
		if line.Level != "WARN" || line.Group != "g-1/online" || line.URL != tt.target || line.Rule != tt.rule ||
			!strings.HasPrefix(line.Address, "127.0.0.1:") && !strings.HasPrefix(line.Address, "[::1]:") {
			t.Errorf("%s: log %+v", tt.name, line)
		}
		if p.Healthy() != 1 {
			t.Errorf("%s: a refused dial counted against the target's health", tt.name)
		}
	}
}

// TestRedirectNotFollowed: a backend's redirect to the metadata address
// reaches the client as it is; the gateway does not follow it.
func TestRedirectNotFollowed(t *testing.T) { bothClients(t, testRedirectNotFollowed) }

func testRedirectNotFollowed(t *testing.T) {
	backend := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data/", http.StatusFound))
	defer backend.Close()
	p := newPool(t, PoolConfig{URLs: []string{backend.URL}})
	w, _, err := forward(p, httptest.NewRequest("GET", "/x", nil), Outbound{})
	if err != nil || w.Code != http.StatusFound || w.Header().Get("Location") != "http://169.254.169.254/latest/meta-data/" {
		t.Errorf("got %d %v %v, want the 302 passed on", w.Code, w.Header(), err)
	}
}

// TestEgressAtDialHTTP2: a gRPC (HTTP/2) call to a tenant's backend is
// dialled through the tenant's egress policy too, not through the shared
// HTTP/2 client.
func TestEgressAtDialHTTP2(t *testing.T) {
	echo := proxytest.Echo(t, "echo")
	_, port, _ := net.SplitHostPort(echo.Listener.Addr().String())
	up := NewUpstream(egress.New(nil))
	defer up.CloseIdleConnections()
	p := newPool(t, PoolConfig{URLs: []string{"http://localhost:" + port}, Clients: up.For(egress.Tenant),
		Name: "g-1/online", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	_, _, err := forward(p, httptest.NewRequest("POST", "/grpc.health.v1.Health/Check", nil), Outbound{HTTP2: true})
	if !errcode.Has(err, errcode.SourceUnavailable) {
		t.Fatalf("got %v, want SOURCE_UNAVAILABLE from the tenant's policy", err)
	}
}

package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// TestEgressRefusedAtDial: a tenant's backend whose name resolves to the
// loopback (here "localhost", as a DNS record changed after the backend
// was saved would) is refused when the connection is dialled, and the
// caller gets SOURCE_UNAVAILABLE in the group's dialect; the refusal is
// logged at WARN with the group, URL, address and rule. The same backend
// saved by the operator is served.
func TestEgressRefusedAtDial(t *testing.T) {
	echo := proxytest.Echo(t, "echo")
	_, port, _ := net.SplitHostPort(echo.Listener.Addr().String())
	url := "http://localhost:" + port
	tenant := &model.Backend{Type: model.BackendHTTP, URLs: []string{url}, TimeoutMs: 2000, SavedBy: model.SavedByTenant}
	operator := &model.Backend{Type: model.BackendHTTP, URLs: []string{url}, TimeoutMs: 2000, SavedBy: model.SavedByOperator}
	x := api("x", "GET", "/x", model.MatchAbsolute, "")
	var pubs []model.Published
	for _, d := range errcode.Dialects {
		pubs = append(pubs, published(group("g-"+string(d), d, errcode.English), model.EnvOnline, tenant, x))
	}
	pubs = append(pubs, published(group("g-op", errcode.DialectJDCloud, errcode.English), model.EnvOnline, operator, x))
	h := newHarness(t, Config{})
	var logs syncBuffer
	h.opts.Upstream = proxy.NewUpstream(egress.New(nil))
	h.opts.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	if err := h.holder.Update(h.opts, pubs, model.Callers{}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		dialect errcode.Dialect
		field   string // the body's field that holds the dialect's code
		want    any
	}{
		{errcode.DialectJDCloud, "error.status", "SOURCE_UNAVAILABLE"},
		{errcode.DialectMarket, "code", "11010"},
		{errcode.DialectZenith, "error_code", 1109.0},
		{errcode.DialectTencent, "code", 6000.0},
	}
	for _, tt := range tests {
		resp := h.get("g-"+string(tt.dialect)+".localhost", "/x")
		var body map[string]any
		json.Unmarshal(resp.body, &body)
		got := body[tt.field]
		if f, sub, ok := strings.Cut(tt.field, "."); ok {
			inner, _ := body[f].(map[string]any)
			got = inner[sub]
		}
		if resp.StatusCode != 502 || got != tt.want || bytes.Contains(resp.body, []byte(`"server":"echo"`)) {
			t.Errorf("%s: got %d %s, want 502 with %s %v", tt.dialect, resp.StatusCode, resp.body, tt.field, tt.want)
		}
	}
	if resp := h.get("g-op.localhost", "/x"); resp.StatusCode != 200 || !bytes.Contains(resp.body, []byte(`"server":"echo"`)) {
		t.Errorf("operator's backend: got %d %s", resp.StatusCode, resp.body)
	}

	logs.mu.Lock()
	lines := strings.Split(strings.TrimSpace(logs.b.String()), "\n")
	logs.mu.Unlock()
	if len(lines) != len(tests) {
		t.Fatalf("log: %d lines, want %d: %q", len(lines), len(tests), lines)
	}
	var line struct{ Level, Group, URL, Address, Rule string }
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line.Level != "WARN" || line.Group != "g-jdcloud/online" || line.URL != url || line.Rule != egress.RulePrivate ||
		!strings.HasSuffix(line.Address, ":"+port) {
		t.Errorf("log line %+v", line)
	}
}

package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
)

// TestMarketAdmin walks the admin side of the market against the real
// server and its data plane: a plan sold, a purchase refused for want of
// balance, a recharge the data plane sees at once, pay-per-call calls
// charged until the balance runs out, the bill and the usage that tell
// it, and a suspended group refused on both planes.
func TestMarketAdmin(t *testing.T) {
	s := start(t, app.Config{Zone: time.UTC})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"temp":3}`))
	}))
	t.Cleanup(backend.Close)
	g := s.publish(
		map[string]any{"name": "weather", "dialect": "market", "authType": "signature"},
		map[string]any{"name": "now", "method": "GET", "path": "/now"},
		"online",
		map[string]any{"type": "http", "urls": []string{backend.URL}},
	)
	_, port, _ := net.SplitHostPort(s.data)
	url := "http://" + g + ".localhost:" + port + "/now"

	s.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": "buyer", "realNameVerified": true})
	key := s.mustCall(201, "POST", "/v1/accounts/buyer/keys", nil)
	ak, sk := key["accessKey"].(string), key["secretKey"].(string)
	metered := s.mustCall(201, "POST", "/v1/groups/"+g+"/plans", map[string]any{"name": "metered", "pricePerCall": 2})["planId"].(string)
	pack := s.mustCall(201, "POST", "/v1/groups/"+g+"/plans", map[string]any{"name": "pack", "pricePerCall": 1, "totalCalls": 10})["planId"].(string)
	call := func() string {
		t.Helper()
		_, out := tollgateCall(t, "--key", ak, "--secret", sk, "GET", url)
		return out
	}
	wantCall := func(what, out, status, code string) {
		t.Helper()
		if !strings.HasPrefix(out, "HTTP/1.1 "+status) || !strings.Contains(out, `"code":"`+code+`"`) {
			t.Errorf("%s: want %s %s, got\n%s", what, status, code, out)
		}
	}

	wantCall("before buying", call(), "403", "10048")
	if r := s.call("POST", "/v1/subscriptions", map[string]any{"pin": "buyer", "planId": pack}); r.status != 400 || r.errorStatus(t) != "FAILED_PRECONDITION" {
		t.Errorf("a package with no balance: %d %s", r.status, r.body)
	}
	s.mustCall(201, "POST", "/v1/subscriptions", map[string]any{"pin": "buyer", "planId": metered})
	wantCall("no balance", call(), "429", "10010")
	if r := s.mustCall(201, "POST", "/v1/accounts/buyer/recharge", map[string]any{"amount": 5}); r["balance"] != 5.0 {
		t.Errorf("recharge: %v", r)
	}
	// The account may not top itself up.
	if _, out := tollgateCall(t, "--key", ak, "--secret", sk, "POST", s.admin+"/v1/accounts/buyer/recharge", "-d", `{"amount":100}`); !strings.Contains(out, "APIGATEWAY_HTTP_FORBIDDEN") {
		t.Errorf("an account recharges itself:\n%s", out)
	}
	for i := range 2 {
		if out := call(); !strings.HasPrefix(out, "HTTP/1.1 200") || !strings.Contains(out, `"charge":true`) {
			t.Errorf("charged call %d:\n%s", i, out)
		}
	}
	wantCall("the balance spent", call(), "429", "10010")

	bill := s.mustCall(200, "GET", "/v1/accounts/buyer/bills", nil)
	items, _ := bill["items"].([]any)
	if bill["credit"] != 5.0 || bill["spent"] != 4.0 || bill["balance"] != 1.0 || len(items) != 2 {
		t.Fatalf("bill: %v", bill)
	}
	if line := items[1].(map[string]any); line["kind"] != "calls" || line["amount"] != -4.0 || line["calls"] != 2.0 || line["groupId"] != g {
		t.Errorf("the calls line: %v", line)
	}
	usage := s.mustCall(200, "GET", "/v1/usage?granularity=day&groupId="+g, nil)
	rows, _ := usage["usage"].([]any)
	if len(rows) != 1 {
		t.Fatalf("usage: %v", usage)
	}
	if row := rows[0].(map[string]any); row["calls"] != 2.0 || row["ok"] != 2.0 || row["charged"] != 4.0 || row["pin"] != "buyer" || row["accessKey"] != ak {
		t.Errorf("usage row: %v", row)
	}

	// Suspended: refused on the data plane and in the market.
	s.mustCall(201, "POST", "/v1/accounts/buyer/recharge", map[string]any{"amount": 100})
	s.mustCall(200, "PATCH", "/v1/groups/"+g, map[string]any{"status": "suspended"})
	wantCall("suspended", call(), "403", "10030")
	if r := s.call("POST", "/v1/subscriptions", map[string]any{"pin": "buyer", "planId": pack}); r.status != 500 || r.errorStatus(t) != "APIGATEWAY_INVALID_SERVICE_STATUS" {
		t.Errorf("buying from a suspended group: %d %s", r.status, r.body)
	}
	s.mustCall(200, "PATCH", "/v1/groups/"+g, map[string]any{"status": "active"})
	if out := call(); !strings.HasPrefix(out, "HTTP/1.1 200") {
		t.Errorf("resumed:\n%s", out)
	}
	if b := s.mustCall(200, "GET", "/v1/accounts/buyer/bills", nil); b["balance"] != 99.0 {
		t.Errorf("balance after resuming: %v", b["balance"])
	}
}

// TestBinaryTimeZone: an unknown --time-zone stops tollgate serve before
// it listens.
func TestBinaryTimeZone(t *testing.T) {
	out, err := exec.Command(binary(t), "serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0",
		"--admin-listen", "127.0.0.1:0", "--time-zone", "Mars/Olympus").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--time-zone") || !strings.Contains(string(out), "Mars/Olympus") {
		t.Errorf("serve --time-zone Mars/Olympus: %v\n%s", err, out)
	}
}

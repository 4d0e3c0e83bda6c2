package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// tenantOf makes, with the admin token, an account with a key and a group
// it owns, with one API deployed to test. It returns the group and the
// key.
func (s *server) tenantOf(pin string) (group, ak, sk string) {
	s.t.Helper()
	s.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": pin, "name": pin})
	key := s.mustCall(201, "POST", "/v1/accounts/"+pin+"/keys", nil)
	group = s.mustCall(201, "POST", "/v1/groups", map[string]any{"name": pin + "-shop", "owner": pin})["groupId"].(string)
	s.mustCall(201, "POST", "/v1/groups/"+group+"/apis", map[string]any{"name": "hello", "method": "GET", "path": "/hello"})
	s.mustCall(201, "POST", "/v1/groups/"+group+"/revisions", map[string]any{"revision": "1.0.0"})
	s.mustCall(201, "POST", "/v1/groups/"+group+"/deployments", map[string]any{"revision": "1.0.0", "environment": "test"})
	return group, key["accessKey"].(string), key["secretKey"].(string)
}

// signedCall sends an admin request signed (AWS4, as curl --aws-sigv4
// does) with a tenant's key.
func (s *server) signedCall(ak, sk, method, path string, body any) response {
	s.t.Helper()
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.admin+path, bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	signer, _ := auth.ByName(model.SchemeAWS4)
	if err := signer.(auth.Signer).Sign(req, j, auth.Signing{AccessKey: ak, Secret: []byte(sk), Time: time.Now(),
		Region: "tollgate", Service: "admin"}); err != nil {
		s.t.Fatal(err)
	}
	return s.do(req)
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEgressPolicyOnSave is the attack of issue 8: a tenant, with its own
// key, points its backend at the gateway's admin port, the cloud's
// metadata service or the operator's network, in every spelling. Each is
// refused with 400 naming the URL and the rule. The operator may use the
// loopback (the README's python3 -m http.server example) but not the
// gateway's own ports.
func TestEgressPolicyOnSave(t *testing.T) {
	s := start(t, app.Config{})
	echo := proxytest.Echo(t, "echo")
	adminPort, dataPort, echoPort := port(t, strings.TrimPrefix(s.admin, "http://")), port(t, s.data), port(t, echo.Listener.Addr().String())
	group, ak, sk := s.tenantOf("acme")
	path := "/v1/groups/" + group + "/backends/test"

	// The key works: a tenant may save a backend with a public address.
	r := s.signedCall(ak, sk, "PUT", path, map[string]any{"type": "http", "urls": []string{"http://203.0.113.10:8080/api"}})
	if r.status != 200 || r.json(t)["savedBy"] != "tenant" {
		t.Fatalf("tenant, public address: %d %s", r.status, r.body)
	}

	refused := []struct{ url, rule string }{
		{"http://127.0.0.1:" + adminPort + "/v1", "gateway-listener"},
		{"http://127.0.0.1:" + dataPort + "/", "gateway-listener"},
		{"http://localhost:" + adminPort + "/metrics", "gateway-listener"},
		{"http://[::1]:" + adminPort + "/", "gateway-listener"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[::ffff:169.254.169.254]/", "link-local"},
		{"http://[64:ff9b::a9fe:a9fe]/", "link-local"},
		{"http://[fe80::1]/", "link-local"},
		{"http://2852039166/", "ip-spelling"},
		{"http://0251.0376.0251.0376/", "ip-spelling"},
		{"http://0xa9fea9fe/", "ip-spelling"},
		{"http://0.0.0.0:" + echoPort + "/", "unspecified"},
		{"http://[::]:" + echoPort + "/", "unspecified"},
		{"http://239.1.2.3/", "multicast"},
		{"http://127.0.0.1:" + echoPort + "/", "private"},
		{"http://localhost:" + echoPort + "/", "private"},
		{"http://10.0.0.1/", "private"},
		{"http://192.168.1.1/", "private"},
		{"http://100.64.0.1/", "private"},
		{"http://[fd00::1]/", "private"},
	}
	for _, tt := range refused {
		body := map[string]any{"type": "http", "urls": []string{"https://api.example.com", tt.url}}
		r := s.signedCall(ak, sk, "PUT", path, body)
		msg := string(r.body)
		if r.status != 400 || r.errorStatus(t) != "APIGW_PARAM_VALUE_INVALID" || !strings.Contains(msg, tt.url) ||
			!strings.Contains(msg, "rule "+tt.rule) || !strings.Contains(msg, "urls[1]") {
			t.Errorf("tenant, %s: got %d %s, want 400 naming the URL and rule %s", tt.url, r.status, r.body, tt.rule)
		}
	}
	// Nothing refused was saved.
	got := s.mustCall(200, "GET", path, nil)
	if urls, _ := got["urls"].([]any); len(urls) != 1 || urls[0] != "http://203.0.113.10:8080/api" {
		t.Errorf("after the refusals, the backend is %v", got)
	}

	// The operator may use the loopback, and the data plane serves it.
	r = s.call("PUT", path, map[string]any{"type": "http", "urls": []string{echo.URL}})
	if r.status != 200 || r.json(t)["savedBy"] != "operator" {
		t.Fatalf("operator, loopback: %d %s", r.status, r.body)
	}
	if r := s.get(group+"-test.localhost", "/hello"); r.status != 200 || !strings.Contains(string(r.body), `"server":"echo"`) {
		t.Errorf("operator's loopback backend: %d %s", r.status, r.body)
	}
	// But not the gateway's own listeners, nor the metadata service.
	for _, tt := range refused[:8] {
		r := s.call("PUT", path, map[string]any{"type": "http", "urls": []string{tt.url}})
		if r.status != 400 || !strings.Contains(string(r.body), "rule "+tt.rule) {
			t.Errorf("operator, %s: got %d %s, want 400 rule %s", tt.url, r.status, r.body, tt.rule)
		}
	}
}

// TestBackendAllow: with --backend-allow listing the loopback, a tenant
// may save a loopback backend and the data plane reaches it; the
// backend's credential header is masked in every answer but sent
// upstream; the gateway's own ports stay refused.
func TestBackendAllow(t *testing.T) {
	s := start(t, app.Config{BackendAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	echo := proxytest.Echo(t, "echo")
	group, ak, sk := s.tenantOf("acme")
	path := "/v1/groups/" + group + "/backends/test"
	const credential = "Bearer upstream-credential-4f1c"

	r := s.signedCall(ak, sk, "PUT", path, map[string]any{"type": "http",
		"urls": []string{strings.Replace(echo.URL, "127.0.0.1", "localhost", 1)}, "headers": map[string]string{"Authorization": credential}})
	if r.status != 200 || strings.Contains(string(r.body), credential) || !strings.Contains(string(r.body), `"Authorization":"********"`) {
		t.Fatalf("tenant, allowed loopback: %d %s", r.status, r.body)
	}
	if r := s.call("GET", path, nil); r.status != 200 || strings.Contains(string(r.body), credential) || r.json(t)["savedBy"] != "tenant" {
		t.Errorf("GET shows %s", r.body)
	}
	if r := s.signedCall(ak, sk, "GET", path, nil); strings.Contains(string(r.body), credential) {
		t.Errorf("GET by the tenant shows %s", r.body)
	}
	// A GET, edited and sent back whole, does not store the mask.
	r = s.signedCall(ak, sk, "PUT", path, map[string]any{"type": "http", "urls": []string{echo.URL},
		"headers": map[string]string{"Authorization": "********"}})
	if r.status != 400 || !strings.Contains(string(r.body), "headers.Authorization") {
		t.Errorf("PUT of the mask: %d %s", r.status, r.body)
	}

	// The client's own Authorization never replaces the backend's.
	resp := s.get(group+"-test.localhost", "/hello", "Authorization", "Bearer client")
	var echoed proxytest.Echoed
	if err := json.Unmarshal(resp.body, &echoed); resp.status != 200 || err != nil || echoed.Header.Get("Authorization") != credential {
		t.Errorf("data plane: %d %s", resp.status, resp.body)
	}

	adminPort := port(t, strings.TrimPrefix(s.admin, "http://"))
	r = s.signedCall(ak, sk, "PUT", path, map[string]any{"type": "http", "urls": []string{"http://127.0.0.1:" + adminPort}})
	if r.status != 400 || !strings.Contains(string(r.body), "rule gateway-listener") {
		t.Errorf("tenant, admin port, loopback allowed: %d %s", r.status, r.body)
	}
	r = s.signedCall(ak, sk, "PUT", path, map[string]any{"type": "http", "urls": []string{"http://10.1.2.3"}})
	if r.status != 400 || !strings.Contains(string(r.body), "rule private") {
		t.Errorf("tenant, a range not listed: %d %s", r.status, r.body)
	}
}

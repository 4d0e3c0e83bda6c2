package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// The domains of the tenant matrix are under matrix.example, which one
// wildcard certificate covers.
var matrixCert struct {
	once      sync.Once
	cert, key string
}

func matrixCertificate(t testing.TB) (string, string) {
	matrixCert.once.Do(func() {
		matrixCert.cert, matrixCert.key = certtest.NewCA(t).Issue(certtest.Leaf{Names: []string{"*.matrix.example"}})
	})
	return matrixCert.cert, matrixCert.key
}

// newDomain claims, with the admin token, a new domain for a new group of
// t's, published in DNS when verified is set, and returns its path.
func (hs *harness) newDomain(t *tenant, verified bool) string {
	hs.t.Helper()
	g := "/v1/groups/" + hs.newGroup(t)
	res := hs.must("POST", g+"/domains", fmt.Sprintf(`{"domain":"%s.matrix.example","environment":"online"}`, t.next("d")), 201)
	path := g + "/domains/" + res.str("domain")
	if verified {
		hs.publish(res)
		hs.must("POST", path+"/verify", "", 200)
	}
	return path
}

// publish puts the TXT record a claim's answer names in hs.dns.
func (hs *harness) publish(claim response) {
	hs.t.Helper()
	v, _ := claim.body["verification"].(map[string]any)
	name, _ := v["name"].(string)
	value, _ := v["value"].(string)
	if name == "" || value == "" {
		hs.t.Fatalf("the claim names no verification record: %s", claim.raw)
	}
	hs.dns.SetTXT(name, value)
}

func domainMatrixCases() []matrixCase {
	const forbid = "APIGATEWAY_HTTP_FORBIDDEN"
	dom := func(verified bool, suffix string) func(*harness, *tenant, actor) string {
		return func(hs *harness, t *tenant, _ actor) string { return hs.newDomain(t, verified) + suffix }
	}
	return []matrixCase{
		{method: "POST", pattern: "/v1/groups/{groupId}/domains", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/domains"
		}, body: func(_ *harness, t *tenant, _ actor, _ bool) string {
			return fmt.Sprintf(`{"domain":"%s.matrix.example","environment":"test"}`, t.next("c"))
		}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/domains", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/domains"
		}, account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/domains/{domain}", path: dom(false, ""), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/domains/{domain}", path: dom(true, ""), account: 204, user: 204, operator: 204},
		{method: "POST", pattern: "/v1/groups/{groupId}/domains/{domain}/verify", path: func(hs *harness, t *tenant, _ actor) string {
			g := "/v1/groups/" + hs.newGroup(t)
			res := hs.must("POST", g+"/domains", fmt.Sprintf(`{"domain":"%s.matrix.example","environment":"online"}`, t.next("v")), 201)
			hs.publish(res)
			return g + "/domains/" + res.str("domain") + "/verify"
		}, account: 200, user: 200, operator: 200},
		{method: "PUT", pattern: "/v1/groups/{groupId}/domains/{domain}/certificate", path: dom(false, "/certificate"),
			body: func(hs *harness, _ *tenant, _ actor, _ bool) string {
				cert, key := matrixCertificate(hs.t)
				b, _ := json.Marshal(map[string]string{"certificate": cert, "privateKey": key})
				return string(b)
			}, account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/domains/{domain}/certificate", path: dom(false, "/certificate"), account: 204, user: 204, operator: 204},
		{method: "PUT", pattern: "/v1/groups/{groupId}/domains/{domain}/record", path: dom(true, "/record"),
			body:    func(*harness, *tenant, actor, bool) string { return `{"recordNumber":"京ICP备12345678号-1"}` },
			account: 403, user: 403, userCode: forbid, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/domains/{domain}/record", path: dom(true, "/record"),
			account: 403, user: 403, userCode: forbid, operator: 204},
	}
}

// httpClient calls the admin API over a real HTTP server.
type httpClient struct {
	t    testing.TB
	base string
}

func (hs *harness) serveHTTP() *httpClient {
	srv := httptest.NewServer(hs.h)
	hs.t.Cleanup(srv.Close)
	return &httpClient{t: hs.t, base: srv.URL}
}

// call sends body (JSON, marshalled unless a string) with the admin
// token, or with none when anonymous.
func (c *httpClient) call(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		json.Unmarshal(raw, &res.body)
	}
	return res
}

func (c *httpClient) must(status int, method, path string, body any) response {
	c.t.Helper()
	res := c.call(method, path, body)
	if res.status != status {
		c.t.Fatalf("%s %s: got %d %s, want %d", method, path, res.status, res.raw, status)
	}
	return res
}

// want fails unless res is a refusal with status and code, whose message
// holds each of says.
func want(t *testing.T, what string, res response, status int, code string, says ...string) {
	t.Helper()
	if res.status != status || res.errStatus() != code {
		t.Errorf("%s: got %d %s, want %d %s", what, res.status, res.raw, status, code)
		return
	}
	for _, s := range says {
		if !strings.Contains(res.errMessage(), s) {
			t.Errorf("%s: message %q does not say %q", what, res.errMessage(), s)
		}
	}
}

// TestDomainLifecycle walks a claim through the admin API over HTTP:
// claimed with the record to publish, looked up in any spelling, refused
// verification until its own token is in DNS, verified, given a
// certificate whose expiry it shows, recorded by the operator where that
// is required, and unbound.
func TestDomainLifecycle(t *testing.T) {
	hs := newHarnessWith(t, func(c *Config) { c.RequireDomainRecord = true })
	c := hs.serveHTTP()
	g := "/v1/groups/" + c.must(201, "POST", "/v1/groups", map[string]any{"name": "shop"}).str("groupId")

	res := c.must(201, "POST", g+"/domains", map[string]any{"domain": "Bücher.Example.", "environment": "online"})
	if res.str("domain") != "xn--bcher-kva.example" || res.str("status") != model.DomainUnverified ||
		res.header.Get("Location") != g+"/domains/xn--bcher-kva.example" {
		t.Fatalf("POST: got %s", res.raw)
	}
	v := res.body["verification"].(map[string]any)
	if v["type"] != "TXT" || v["name"] != "_tollgate.xn--bcher-kva.example" || !strings.HasPrefix(v["value"].(string), "tollgate-verify=") {
		t.Errorf("verification: got %v", v)
	}
	for _, spelling := range []string{"xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE", "b%C3%BCcher.example", "xn--bcher-kva.example."} {
		if got := c.call("GET", g+"/domains/"+spelling, nil); got.status != 200 || got.str("domain") != "xn--bcher-kva.example" {
			t.Errorf("GET %s: got %d %s", spelling, got.status, got.raw)
		}
	}
	path := g + "/domains/xn--bcher-kva.example"

	// Nothing published, then another claim's token: refused.
	want(t, "verify with nothing published", c.call("POST", path+"/verify", nil), 400, "FAILED_PRECONDITION", "no TXT record")
	hs.dns.SetTXT("_tollgate.xn--bcher-kva.example", "tollgate-verify=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	want(t, "verify with another token", c.call("POST", path+"/verify", nil), 400, "FAILED_PRECONDITION", "none of them this claim's token")
	hs.publish(res)
	v2 := c.must(200, "POST", path+"/verify", nil)
	if v2.str("status") != model.DomainUnrecorded || v2.str("verifiedAt") == "" {
		t.Errorf("verified: got %s, want status unrecorded (the operator requires a record)", v2.raw)
	}

	cert, key := certtest.NewCA(t).Issue(certtest.Leaf{Names: []string{"xn--bcher-kva.example"}, NotAfter: time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)})
	withCert := c.must(200, "PUT", path+"/certificate", map[string]any{"certificate": cert, "privateKey": key})
	ci, _ := withCert.body["certificate"].(map[string]any)
	if ci == nil || ci["notAfter"] == nil || len(ci["sha256"].(string)) != 64 {
		t.Errorf("the certificate's view: %s", withCert.raw)
	}
	rec := c.must(200, "PUT", path+"/record", map[string]any{"recordNumber": "京ICP备12345678号-1"})
	if rec.str("status") != model.DomainActive || rec.str("recordNumber") != "京ICP备12345678号-1" {
		t.Errorf("recorded: got %s", rec.raw)
	}
	list := c.must(200, "GET", g+"/domains", nil)
	if ds, _ := list.body["domains"].([]any); len(ds) != 1 || list.body["maxDomains"] != float64(model.MaxDomains) {
		t.Errorf("list: got %s", list.raw)
	}
	c.must(204, "DELETE", path+"/record", nil)
	if got := c.must(200, "GET", path, nil); got.str("status") != model.DomainUnrecorded {
		t.Errorf("after the record is withdrawn: %s", got.raw)
	}
	c.must(204, "DELETE", path+"/certificate", nil)
	if got := c.must(200, "GET", path, nil); got.body["certificate"] != nil {
		t.Errorf("after the certificate is removed: %s", got.raw)
	}
	c.must(204, "DELETE", path, nil)
	want(t, "GET after unbinding", c.call("GET", path, nil), 404, "APIGATEWAY_NOT_FOUND")
}

// TestDomainClaimRefusals is one attack or mistake per row, each refused
// with its code and a clear message, and changing nothing.
func TestDomainClaimRefusals(t *testing.T) {
	hs := newHarnessWith(t, func(c *Config) {
		c.BaseDomain = "gw.example.net"
		c.ReservedDomains = []string{"admin.example.net"}
	})
	c := hs.serveHTTP()
	alice, mallory := hs.tenant("alice"), hs.tenant("mallory")
	ga, gm := "/v1/groups/"+alice.group, "/v1/groups/"+mallory.group
	other := "/v1/groups/" + hs.newGroup(alice)
	// alice binds shop.example; mallory has a claim pending elsewhere.
	res := c.must(201, "POST", ga+"/domains", map[string]any{"domain": "api.shop.example", "environment": "online"})
	hs.publish(res)
	c.must(200, "POST", ga+"/domains/api.shop.example/verify", nil)
	c.must(201, "POST", gm+"/domains", map[string]any{"domain": "pending.example", "environment": "online"})

	ca := certtest.NewCA(t)
	cert, key := ca.Issue(certtest.Leaf{Names: []string{"www.shop.example"}})
	_, otherKey := ca.Issue(certtest.Leaf{Names: []string{"www.shop.example"}})
	expired, expiredKey := ca.Issue(certtest.Leaf{Names: []string{"www.shop.example"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	claim := func(domain string) map[string]any { return map[string]any{"domain": domain, "environment": "online"} }
	withCert := func(domain, cert, key string) map[string]any {
		return map[string]any{"domain": domain, "environment": "online", "certificate": cert, "privateKey": key}
	}
	tests := []struct {
		what   string
		path   string
		body   any
		status int
		code   string
		says   []string
	}{
		{"another tenant's bound domain", gm + "/domains", claim("api.shop.example"), 403, "APIGATEWAY_DOMAIN_ALREADY_EXISTS", nil},
		{"another tenant's bound domain, upper case", gm + "/domains", claim("API.SHOP.EXAMPLE"), 403, "APIGATEWAY_DOMAIN_ALREADY_EXISTS", nil},
		{"another tenant's bound domain, trailing dot", gm + "/domains", claim("api.shop.example."), 403, "APIGATEWAY_DOMAIN_ALREADY_EXISTS", nil},
		{"another tenant's bound domain, full-width", gm + "/domains", claim("ａｐｉ.shop.example"), 403, "APIGATEWAY_DOMAIN_ALREADY_EXISTS", nil},
		{"the group's own domain again, another environment", ga + "/domains", claim("Api.Shop.Example"), 403, "APIGATEWAY_DOMAIN_IS_BINDED", []string{"delete that claim"}},
		{"moved to another group of the owner", other + "/domains", claim("api.shop.example"), 403, "APIGATEWAY_DOMAIN_IS_BINDED", []string{alice.group}},
		{"a group under the base domain", gm + "/domains", claim("g-abc.gw.example.net"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"gateway's own domain gw.example.net"}},
		{"the base domain itself", gm + "/domains", claim("GW.example.net."), 400, "APIGW_PARAM_VALUE_INVALID", []string{"gateway's own domain"}},
		{"deep under the base domain", gm + "/domains", claim("a.b.gw.example.net"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"gateway's own domain"}},
		{"the admin host", gm + "/domains", claim("admin.example.net"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"gateway's own domain admin.example.net"}},
		{"a wildcard", gm + "/domains", claim("*.shop.example"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"wildcard"}},
		{"an IP address", gm + "/domains", claim("203.0.113.7"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"IP address"}},
		{"one label", gm + "/domains", claim("intranet"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"two labels"}},
		{"a port", gm + "/domains", claim("www.evil.example:443"), 400, "APIGW_PARAM_VALUE_INVALID", []string{"not a host name"}},
		{"no environment", gm + "/domains", map[string]any{"domain": "www.evil.example"}, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", nil},
		{"a certificate for another domain", ga + "/domains", withCert("www2.shop.example", cert, key), 400, "APIGW_PARAM_VALUE_INVALID", []string{"certificate", "does not cover www2.shop.example"}},
		{"a certificate with another key", ga + "/domains", withCert("www.shop.example", cert, otherKey), 400, "APIGW_PARAM_VALUE_INVALID", []string{"privateKey", "not the certificate's"}},
		{"an expired certificate", ga + "/domains", withCert("www.shop.example", expired, expiredKey), 400, "APIGW_PARAM_VALUE_INVALID", []string{"expired"}},
		{"a certificate without its key", ga + "/domains", withCert("www.shop.example", cert, ""), 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", []string{"privateKey"}},
		{"a key in the certificate's place", ga + "/domains", withCert("www.shop.example", key, key), 400, "APIGW_PARAM_VALUE_INVALID", []string{"not a PEM certificate"}},
		{"an unknown field", ga + "/domains", map[string]any{"domain": "x.shop.example", "environment": "online", "verified": true}, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", nil},
		{"a record number from the tenant", ga + "/domains/api.shop.example/record", map[string]any{"recordNumber": "1"}, 403, "APIGATEWAY_HTTP_FORBIDDEN", nil},
	}
	for _, tt := range tests {
		before := hs.state()
		method := "POST"
		if strings.HasSuffix(tt.path, "/record") {
			method = "PUT"
		}
		var res response
		if strings.Contains(tt.what, "from the tenant") {
			res = hs.signed("AWS4-HMAC-SHA256", alice.key, method, tt.path, mustJSON(tt.body))
		} else {
			res = c.call(method, tt.path, tt.body)
		}
		want(t, tt.what, res, tt.status, tt.code, tt.says...)
		if strings.Contains(res.raw, "PRIVATE KEY") || strings.Contains(res.raw, alice.pin) && tt.code == "APIGATEWAY_DOMAIN_ALREADY_EXISTS" {
			t.Errorf("%s: the refusal says too much: %s", tt.what, res.raw)
		}
		if hs.state() != before {
			t.Errorf("%s: the refused call changed the store", tt.what)
		}
	}

	// The limit: five claims per group, pending or bound.
	g := "/v1/groups/" + hs.newGroup(mallory)
	for i := range model.MaxDomains {
		c.must(201, "POST", g+"/domains", claim(fmt.Sprintf("d%d.evil.example", i)))
	}
	want(t, "a sixth claim", c.call("POST", g+"/domains", claim("d9.evil.example")), 403, "APIGATEWAY_DOMAIN_NUM_IS_MAX")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestDomainSquatting checks that a claim cannot hold a domain hostage:
// mallory claims the victim's domain first, the victim claims it too and
// verifies it, and mallory's claim is gone; mallory cannot verify with
// the victim's published record, which holds the victim's token.
func TestDomainSquatting(t *testing.T) {
	hs := newHarness(t)
	c := hs.serveHTTP()
	victim, mallory := hs.tenant("victim"), hs.tenant("mallory")
	gv, gm := "/v1/groups/"+victim.group, "/v1/groups/"+mallory.group
	squat := c.must(201, "POST", gm+"/domains", map[string]any{"domain": "pay.victim.example", "environment": "online"})
	claim := c.must(201, "POST", gv+"/domains", map[string]any{"domain": "pay.victim.example", "environment": "online"})
	if squat.body["verification"].(map[string]any)["value"] == claim.body["verification"].(map[string]any)["value"] {
		t.Fatal("two claims of one domain got one token")
	}
	hs.publish(claim)
	want(t, "mallory verifying with the victim's record", c.call("POST", gm+"/domains/pay.victim.example/verify", nil),
		400, "FAILED_PRECONDITION", "none of them this claim's token")
	c.must(200, "POST", gv+"/domains/pay.victim.example/verify", nil)
	want(t, "mallory's claim after the victim verified", c.call("GET", gm+"/domains/pay.victim.example", nil), 404, "APIGATEWAY_NOT_FOUND")
	want(t, "mallory claiming it again", c.call("POST", gm+"/domains", map[string]any{"domain": "pay.victim.example", "environment": "test"}),
		403, "APIGATEWAY_DOMAIN_ALREADY_EXISTS")
}

// TestPrivateKeyNeverLeaves checks that a domain's private key appears in
// no answer of the admin API and in no line of its log, whatever route
// carried it, accepted or refused.
func TestPrivateKeyNeverLeaves(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	hs := newHarnessWith(t, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c := hs.serveHTTP()
	g := "/v1/groups/" + c.must(201, "POST", "/v1/groups", map[string]any{"name": "shop"}).str("groupId")
	ca := certtest.NewCA(t)
	cert, key := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	cert2, key2 := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}, KeyType: certtest.RSA})
	var answers []string
	for _, r := range []response{
		c.call("POST", g+"/domains", map[string]any{"domain": "api.shop.example", "environment": "online", "certificate": cert, "privateKey": key}),
		c.call("GET", g+"/domains/api.shop.example", nil),
		c.call("GET", g+"/domains", nil),
		c.call("PUT", g+"/domains/api.shop.example/certificate", map[string]any{"certificate": cert2, "privateKey": key2}),
		c.call("PUT", g+"/domains/api.shop.example/certificate", map[string]any{"certificate": cert, "privateKey": key2}), // refused
		c.call("PUT", g+"/domains/api.shop.example/certificate", map[string]any{"certificate": key, "privateKey": cert}),  // refused
		c.call("POST", g+"/domains", map[string]any{"domain": "x.shop.example", "environment": "online", "certificate": cert, "privateKey": key}),
	} {
		answers = append(answers, r.raw)
	}
	if !strings.Contains(answers[0], `"certificate"`) || !strings.Contains(answers[4], "not the certificate's") {
		t.Fatalf("the calls did not go as planned: %q", answers)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range []string{key, key2} {
		body := strings.Split(k, "\n")[1] // a line of the key's base64
		for i, a := range answers {
			if strings.Contains(a, body) || strings.Contains(a, "PRIVATE KEY") {
				t.Errorf("answer %d holds the private key: %s", i, a)
			}
		}
		if strings.Contains(logs.String(), body) || strings.Contains(logs.String(), "PRIVATE KEY") {
			t.Errorf("the log holds the private key: %s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "admin write") {
		t.Fatalf("the log is empty: the search proves nothing")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

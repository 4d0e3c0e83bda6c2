package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth/authtest"
)

// These tests send what official SDKs send, as they sign it, through the
// whole gateway, and check the refusal codes of what an attacker may do
// with a copy. internal/auth's clients_test.go holds the same requests at
// the scheme's level and says where each was taken from.

// TestJDPythonSDKThroughGateway: JD Cloud's Python SDK (1.6.95+, its
// signer reproduced by authtest.SignJDPython) signs JDCLOUD3 without the
// date and the nonce. It is served; its copy is refused as a replay even
// with a fresh nonce, whose header it does not sign; a date outside the
// window is refused as expired, and a date moved into it as a mismatch.
func TestJDPythonSDKThroughGateway(t *testing.T) {
	h := newSignedHarness(t, Config{})
	sign := func(at time.Duration, nonce string) *http.Request {
		body := `{"name":"py"}`
		r := h.request("POST", hostJD, "/echo?pageSize=10&name=%E5%90%8D", strings.NewReader(body))
		authtest.SignJDPython(r, []byte(body), "AK", secretAK, "cn-north-1", "svc", h.clock.Now().Add(at), nonce)
		return r
	}
	resend := func(r *http.Request, f func(*http.Request)) func() *http.Request {
		return func() *http.Request {
			c := r.Clone(r.Context())
			body := `{"name":"py"}`
			c.Body, c.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			if f != nil {
				f(c)
			}
			return c
		}
	}
	first := sign(0, "9b2f6c1e-5a7d-4e83-b0c4-2d1f7a9e3c55")
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"as the SDK sends it", resend(first, nil), 200, ""},
		{"the same request again", resend(first, nil), 403, "APIGW_NONCE_CONFLICT"},
		{"again with a fresh nonce", resend(first, func(r *http.Request) { r.Header.Set("X-Jdcloud-Nonce", "fresh") }), 403, "APIGW_NONCE_CONFLICT"},
		{"again with the signature in upper case", resend(first, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}), 403, "APIGW_NONCE_CONFLICT"},
		{"again with the date moved on", resend(first, func(r *http.Request) {
			r.Header.Set("X-Jdcloud-Date", h.clock.Now().Add(time.Second).UTC().Format("20060102T150405Z"))
		}), 401, "APIGW_SIGN_RESULT_NOT_SAME"},
		{"a new call, same nonce header", func() *http.Request { return sign(time.Second, "9b2f6c1e-5a7d-4e83-b0c4-2d1f7a9e3c55") }, 200, ""},
		{"signed six minutes ago", func() *http.Request { return sign(-6*time.Minute, "n-old") }, 401, "UNAUTHENTICATED"},
		{"signed six minutes ahead", func() *http.Request { return sign(6*time.Minute, "n-new") }, 401, "UNAUTHENTICATED"},
	}
	for _, tc := range tests {
		resp := h.do(tc.req())
		if resp.StatusCode != tc.status || resp.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s: %s", tc.name, resp.StatusCode, resp.code(), tc.status, tc.code, resp.body)
		}
		if tc.status == 200 {
			e := resp.echoed(t)
			if e.Header.Get("X-Jdcloud-Nonce") != "" || e.Header.Get("Authorization") != "" || e.Header.Get("X-Tollgate-Auth-Scheme") != "JDCLOUD3-HMAC-SHA256" {
				t.Errorf("%s: the backend saw %v", tc.name, e.Header)
			}
		}
	}
}

// jdJSGateway are jdcloud-sdk-js 1.2.202's signatures (internal/auth's
// jdJSVectors) of GET /users/7 on g-jd.localhost, made at the harness's
// start time with key AK.
var jdJSGateway = []struct{ name, query, signature string }{
	{"utf8", "%E5%90%8D=%E5%80%BC&x=%C3%A9", "86e37998e8348b186eaf85e4177d28f83bf43344b259670018455024b08c65ae"},
	{"ascii", "a%2F=1&a-=z&a-=y&a%3A=&a0=q%20r", "4b0e90991ab6b519268524480ddb6eb09d70f3cfa0fc753920e71d44b53f9b0d"},
	{"astral", "%EF%BC%A1=1&%F0%9F%98%80=2", "d7995aec277fc027454970ad5bab3b5860712b039e2d2ae3b261a2084dac2ab8"},
}

// TestJDJSSDKThroughGateway: what jdcloud-sdk-js signs (its query sorted
// by decoded name) is served once; a copy is a replay, a changed
// parameter a mismatch.
func TestJDJSSDKThroughGateway(t *testing.T) {
	h := newSignedHarness(t, Config{})
	req := func(name, query, signature string) *http.Request {
		r := h.request("GET", hostJD, "/users/7?"+query, nil)
		r.Header.Set("Accept", "application/json")
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Jdcloud-Date", "20231114T221320Z")
		r.Header.Set("X-Jdcloud-Nonce", "nonce-"+name)
		r.Header.Set("Authorization", "JDCLOUD2-HMAC-SHA256 Credential=AK/20231114/cn-north-1/svc/jdcloud2_request, "+
			"SignedHeaders=accept;content-type;host;x-jdcloud-date;x-jdcloud-nonce, Signature="+signature)
		return r
	}
	if got := h.clock.Now().UTC().Format("20060102T150405Z"); got != "20231114T221320Z" {
		t.Fatalf("the harness starts at %s, not when the vectors were signed", got)
	}
	for _, v := range jdJSGateway {
		if resp := h.do(req(v.name, v.query, v.signature)); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", v.name, resp.StatusCode, resp.body)
		} else if uri := resp.echoed(t).RequestURI; uri != "/users/7?"+v.query {
			t.Errorf("%s: the backend got %q, want the query as sent", v.name, uri)
		}
		if resp := h.do(req(v.name, v.query, v.signature)); resp.StatusCode != 403 || resp.code() != "APIGW_NONCE_CONFLICT" {
			t.Errorf("%s replayed: %d %s", v.name, resp.StatusCode, resp.body)
		}
		tampered := strings.Replace(v.query, "=", "=0", 1)
		if resp := h.do(req(v.name+"-t", tampered, v.signature)); resp.StatusCode != 401 || resp.code() != "APIGW_SIGN_RESULT_NOT_SAME" {
			t.Errorf("%s with %q: %d %s", v.name, tampered, resp.StatusCode, resp.body)
		}
	}
}

// TestTencentNodeSDKThroughGateway: tencentcloud-sdk-nodejs-common signs
// TC3 over the hostname without the port the Host header carries. Its
// signatures (internal/auth's tcNodeVectors) are served on the group's
// host with any port, and refused on another group's host with the port.
func TestTencentNodeSDKThroughGateway(t *testing.T) {
	h := newSignedHarness(t, Config{})
	req := func(host, method, target, contentType, body, signature string) *http.Request {
		var r *http.Request
		if body != "" {
			r = h.request(method, host, target, strings.NewReader(body))
		} else {
			r = h.request(method, host, target, nil)
		}
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("X-TC-Action", "DescribeThings")
		r.Header.Set("X-TC-Version", "2017-03-12")
		r.Header.Set("X-TC-Timestamp", "1700000000")
		r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AK/2023-11-14/g-tc/tc3_request, SignedHeaders=content-type;host, Signature="+signature)
		return r
	}
	const get = "368abf8bf87a7637a75f5b1b919830142b661d4a95172a3c1ab9b9a85ea9bd92"
	const post = "cc83ebe4e9692f1669668ee257c5dcb913abe96cebb9ebc2fb520b343df4480a"
	tests := []struct {
		name, host, method, target, contentType, body, signature string
		status                                                   int
		code                                                     string
	}{
		{"GET as sent", hostTC + ":8080", "GET", "/users/1?Limit=10&Filter=a%20b&Action=%C3%A9", "application/x-www-form-urlencoded", "", get, 200, ""},
		{"POST as sent", hostTC + ":8080", "POST", "/echo", "application/json", `{"Limit":1,"Name":"x"}`, post, 200, ""},
		{"POST on another port", hostTC + ":443", "POST", "/echo", "application/json", `{"Limit":1,"Name":"x"}`, post, 200, ""},
		{"POST to another group with the port", hostJD + ":8080", "POST", "/echo", "application/json", `{"Limit":1,"Name":"x"}`, post, 401, "APIGW_SIGN_RESULT_NOT_SAME"},
		{"POST with another body", hostTC + ":8080", "POST", "/echo", "application/json", `{"Limit":2,"Name":"x"}`, post, 401, "4100"},
		{"GET with another query", hostTC + ":8080", "GET", "/users/1?Limit=11&Filter=a%20b&Action=%C3%A9", "application/x-www-form-urlencoded", "", get, 401, "4100"},
	}
	for _, tc := range tests {
		resp := h.do(req(tc.host, tc.method, tc.target, tc.contentType, tc.body, tc.signature))
		if resp.StatusCode != tc.status || resp.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s: %s", tc.name, resp.StatusCode, resp.code(), tc.status, tc.code, resp.body)
		}
	}
}

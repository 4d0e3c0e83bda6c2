package gateway

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// TestSignedCallsSucceed sends a signed call of every scheme, GET and
// POST, and checks what the backend got: the verified caller, the body as
// signed, and none of the client's credentials.
func TestSignedCallsSucceed(t *testing.T) {
	h := newSignedHarness(t, Config{MaxBodyBytes: 1 << 20})
	tests := []struct {
		host, method, path, body string
		s                        signing
		user                     string
		query                    string // what the backend must get as the query
		body2                    string // what the backend must get as the body ("" is body)
	}{
		{host: hostJD, method: "GET", path: "/users/1?b=2&a=1", s: signing{scheme: model.SchemeJDCloud2, ak: "AK"}, query: "b=2&a=1"},
		{host: hostJD, method: "POST", path: "/echo", body: `{"x":1}`, s: signing{scheme: model.SchemeJDCloud2, ak: "AK"}},
		{host: hostJD, method: "GET", path: "/users/1?a=1", s: signing{scheme: model.SchemeJDCloud3, ak: "AKDEV"}, user: "dev", query: "a=1"},
		{host: hostJD, method: "POST", path: "/echo", body: `{"y":2}`, s: signing{scheme: model.SchemeJDCloud3, ak: "AK"}},
		{host: hostJD, method: "GET", path: "/users/1?q=a%20b", s: signing{scheme: model.SchemeAWS4, ak: "AK"}, query: "q=a%20b"},
		{host: hostJD, method: "PUT", path: "/echo", body: `{"z":3}`, s: signing{scheme: model.SchemeAWS4, ak: "AK"}},
		{host: hostJD, method: "GET", path: "/users/1", s: signing{scheme: model.SchemeTC3, ak: "AK"}},
		{host: hostJD, method: "GET", path: "/users/1?Action=Describe", s: signing{scheme: model.SchemeTencentV1, ak: "AK"}, query: "Action=Describe&Region=cn-north-1"},
		{host: hostJD, method: "GET", path: "/users/1?x=1", s: signing{scheme: model.SchemeZenith, ak: "AK"}, query: "x=1"},
		{host: hostTC, method: "POST", path: "/echo", body: "Action=Run", s: signing{scheme: model.SchemeTencentV1, ak: "AK"}, body2: "-"},
		{host: hostTC, method: "POST", path: "/echo", body: `{"tc":3}`, s: signing{scheme: model.SchemeTC3, ak: "AK"}},
		{host: hostZenith, method: "GET", path: "/users/7", s: signing{scheme: model.SchemeZenith, ak: "AK"}},
		{host: hostMarket, method: "GET", path: "/users/7?city=bj", s: signing{scheme: model.SchemeAppKey, ak: "APP"}, query: "city=bj"},
		{host: hostMarket, method: "POST", path: "/echo", body: `{"m":1}`, s: signing{scheme: model.SchemeAppKey, ak: "APP"}},
		{host: hostPinned, method: "GET", path: "/users/1", s: signing{scheme: model.SchemeAWS4, ak: "AK"}},
	}
	for _, tt := range tests {
		name := tt.s.scheme + " " + tt.method + " " + tt.host
		resp := h.do(h.signed(tt.method, tt.host, tt.path, tt.body, tt.s))
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d: %s", name, resp.StatusCode, resp.body)
			continue
		}
		got := resp.echoed(t)
		wantHeaders := map[string]string{
			"X-Jdcloud-Pin": "acme", "X-Jdcloud-User": tt.user, "X-Jdcloud-Access-Key": tt.s.ak,
			"X-Tollgate-Auth-Scheme": tt.s.scheme,
		}
		for k, want := range wantHeaders {
			if v := got.Header.Values(k); want == "" && len(v) != 0 || want != "" && (len(v) != 1 || v[0] != want) {
				t.Errorf("%s: backend got %s %q, want %q", name, k, v, want)
			}
		}
		for _, k := range credentialHeaders {
			if v, ok := got.Header[k]; ok {
				t.Errorf("%s: backend got credential header %s: %q", name, k, v)
			}
		}
		_, query, _ := strings.Cut(got.RequestURI, "?")
		if query != tt.query {
			t.Errorf("%s: backend got query %q, want %q", name, query, tt.query)
		}
		switch tt.body2 {
		case "":
			if got.Body != tt.body {
				t.Errorf("%s: backend got body %q, want %q", name, got.Body, tt.body)
			}
		case "-":
			// A Tencent v1 form POST: its credentials stay in the body,
			// which goes on as signed.
			form, err := url.ParseQuery(got.Body)
			if err != nil || form.Get("Action") != "Run" || form.Get("SecretId") != "AK" {
				t.Errorf("%s: backend got body %q", name, got.Body)
			}
		}
	}
}

// TestChunkedBodyIsSignedAndForwarded sends a signed body of unknown
// length: the gateway reads it whole to verify it, and the backend gets
// the same bytes, with a length.
func TestChunkedBodyIsSignedAndForwarded(t *testing.T) {
	h := newSignedHarness(t, Config{MaxBodyBytes: 64})
	body := `{"chunked":true}`
	req := h.signed("POST", hostJD, "/echo", body, signing{scheme: model.SchemeJDCloud2, ak: "AK"})
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = -1
	req.GetBody = nil
	got := h.do(req).echoed(t)
	if got.Body != body || got.Header.Get("Content-Length") != "16" || got.Header.Get("Transfer-Encoding") != "" {
		t.Errorf("backend got %q, Content-Length %q", got.Body, got.Header.Get("Content-Length"))
	}

	big := `{"pad":"` + strings.Repeat("x", 100) + `"}`
	req = h.signed("POST", hostJD, "/echo", big, signing{scheme: model.SchemeJDCloud2, ak: "AK"})
	req.Body = io.NopCloser(strings.NewReader(big))
	req.ContentLength = -1
	if resp := h.do(req); resp.StatusCode != 400 || resp.code() != "OUT_OF_RANGE" {
		t.Errorf("body over the limit: %d %s", resp.StatusCode, resp.body)
	}
}

// TestRotationGrace checks that a rotated key's previous secret works
// until its grace period ends, and the new one throughout.
func TestRotationGrace(t *testing.T) {
	h := newSignedHarness(t, Config{})
	call := func(secret string) response {
		return h.do(h.signed("GET", hostJD, "/users/1", "", signing{scheme: model.SchemeJDCloud2, ak: "AK", secret: secret}))
	}
	if resp := call(oldSecret); resp.StatusCode != 200 {
		t.Fatalf("old secret in grace: %d %s", resp.StatusCode, resp.body)
	}
	h.clock.Advance(time.Hour - time.Second)
	if resp := call(oldSecret); resp.StatusCode != 200 {
		t.Fatalf("old secret a second before the grace ends: %d %s", resp.StatusCode, resp.body)
	}
	h.clock.Advance(time.Second)
	if resp := call(oldSecret); resp.StatusCode != 401 || resp.code() != "APIGW_SIGN_RESULT_NOT_SAME" {
		t.Errorf("old secret after the grace: %d %s", resp.StatusCode, resp.body)
	}
	if resp := call(secretAK); resp.StatusCode != 200 {
		t.Errorf("new secret: %d %s", resp.StatusCode, resp.body)
	}
}

// TestSessionKeyExpires checks that a console session's key signs like
// any other until it expires, and is refused from then on, though the
// snapshot still holds it.
func TestSessionKeyExpires(t *testing.T) {
	h := newSignedHarness(t, Config{})
	call := func() response {
		return h.do(h.signed("GET", hostJD, "/users/1", "", signing{scheme: model.SchemeJDCloud2, ak: "AKSES"}))
	}
	if resp := call(); resp.StatusCode != 200 || resp.echoed(t).Header.Get("X-Jdcloud-User") != "dev" {
		t.Fatalf("live session key: %d %s", resp.StatusCode, resp.body)
	}
	h.clock.Advance(time.Hour)
	if resp := call(); resp.StatusCode != 401 || resp.code() != "UNAUTHENTICATED" || !strings.Contains(string(resp.body), "session key AKSES expired") {
		t.Errorf("expired session key: %d %s", resp.StatusCode, resp.body)
	}
}

// TestKeyDisabledAfterSwap checks that a key disabled in the store is
// refused as soon as the snapshot that says so is swapped in.
func TestKeyDisabledAfterSwap(t *testing.T) {
	pubs := fixtureGroups(proxytest.Echo(t, "echo").URL)
	callers := fixtureCallers()
	h := newCallersHarness(t, Config{}, callers, pubs...)
	call := func() response {
		return h.do(h.signed("GET", hostJD, "/users/1", "", signing{scheme: model.SchemeJDCloud2, ak: "AK"}))
	}
	if resp := call(); resp.StatusCode != 200 {
		t.Fatalf("before: %d %s", resp.StatusCode, resp.body)
	}
	callers.Keys[0].Enabled = false
	if err := h.holder.Update(h.opts, pubs, callers); err != nil {
		t.Fatal(err)
	}
	if resp := call(); resp.StatusCode != 401 || resp.code() != "APIGW_KEY_DISABLED" {
		t.Errorf("after the swap: %d %s", resp.StatusCode, resp.body)
	}
	callers.Keys[0].Enabled = true
	callers.Authorizations = nil
	if err := h.holder.Update(h.opts, pubs, callers); err != nil {
		t.Fatal(err)
	}
	if resp := call(); resp.StatusCode != 404 || resp.code() != "APIGATEWAY_BIND_GROUP_NOT_FOUND" {
		t.Errorf("authorization removed: %d %s", resp.StatusCode, resp.body)
	}
}

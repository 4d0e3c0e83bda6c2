package admin

import (
	"encoding/base32"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/secret"
)

// TestMFA: once an account turns MFA on, the actions it names, and MFA
// itself, need a valid TOTP code, each code once; the operator needs
// none.
func TestMFA(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	acct := "/v1/accounts/acme"

	res := hs.mustAs(a.key, "PUT", acct+"/mfa", `{"actions":["keys.create","keys.delete"]}`, 200)
	text := res.str("secret")
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(text)
	if err != nil || len(key) != 20 {
		t.Fatalf("PUT mfa: secret %q: %v", text, err)
	}
	if u, err := url.Parse(res.str("otpauthUrl")); err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != text {
		t.Errorf("PUT mfa: otpauthUrl %q", res.str("otpauthUrl"))
	}
	if got := hs.must("GET", acct, ``, 200); got.body["mfaEnabled"] != true || got.raw == "" || strings.Contains(got.raw, text) {
		t.Errorf("GET account after MFA: got %s; the secret must not show", got.raw)
	}

	withCode := func(code string) http.Header { return http.Header{"X-Jdcloud-Security-Token": {code}} }
	call := func(method, path, body string, h http.Header) response {
		hs.clock.Advance(time.Second)
		return hs.serve(hs.signedRequest("AWS4-HMAC-SHA256", a.key, method, path, body, h))
	}
	wantMFAFail := func(what string, res response) {
		t.Helper()
		if res.status != 403 || res.errStatus() != "APIGW_MFA_FAIL" {
			t.Errorf("%s: got %d %s, want 403 APIGW_MFA_FAIL", what, res.status, res.raw)
		}
	}

	wantMFAFail("keys.create without a code", call("POST", acct+"/keys", `{}`, nil))
	wantMFAFail("keys.create with a wrong code", call("POST", acct+"/keys", `{}`, withCode("000000")))
	// Not every action is protected.
	if res := call("GET", acct+"/keys", "", nil); res.status != 200 {
		t.Errorf("keys.read without a code: got %d %s", res.status, res.raw)
	}
	hs.clock.Advance(30 * time.Second)
	code := secret.TOTP(key, hs.clock.Now())
	if res := call("POST", acct+"/keys", `{}`, withCode(code)); res.status != 201 {
		t.Fatalf("keys.create with the code: got %d %s", res.status, res.raw)
	}
	wantMFAFail("the same code again", call("POST", acct+"/keys", `{"kind":"appkey"}`, withCode(code)))
	// A code of the step before or after works, once.
	hs.clock.Advance(30 * time.Second)
	if res := call("POST", acct+"/keys", `{}`, withCode(secret.TOTP(key, hs.clock.Now().Add(30*time.Second)))); res.status != 201 {
		t.Errorf("keys.create with the next step's code: got %d %s", res.status, res.raw)
	}

	// MFA itself always needs a code once on, even if not listed.
	wantMFAFail("mfa.update without a code", call("PUT", acct+"/mfa", `{"actions":[]}`, nil))
	wantMFAFail("mfa.delete without a code", call("DELETE", acct+"/mfa", "", nil))
	// The operator needs none: the admin token is the way back in.
	hs.must("POST", acct+"/keys", `{}`, 201)

	hs.clock.Advance(2 * time.Minute)
	if res := call("DELETE", acct+"/mfa", "", withCode(secret.TOTP(key, hs.clock.Now()))); res.status != 204 {
		t.Fatalf("mfa.delete with a code: got %d %s", res.status, res.raw)
	}
	if res := call("POST", acct+"/keys", `{"kind":"appkey"}`, nil); res.status != 201 {
		t.Errorf("keys.create once MFA is off: got %d %s", res.status, res.raw)
	}
}

// TestMFAThrottle: five wrong codes block MFA for the account for a
// while, even the right code.
func TestMFAThrottle(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	res := hs.mustAs(a.key, "PUT", "/v1/accounts/acme/mfa", `{"actions":["*"]}`, 200)
	key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(res.str("secret"))
	call := func(code string) response {
		hs.clock.Advance(time.Second)
		return hs.serve(hs.signedRequest("AWS4-HMAC-SHA256", a.key, "GET", "/v1/groups", "", http.Header{"X-Jdcloud-Security-Token": {code}}))
	}
	for range maxLoginFailures {
		call("999999")
	}
	hs.clock.Advance(time.Minute)
	if res := call(secret.TOTP(key, hs.clock.Now())); res.status != 403 || res.errStatus() != "APIGW_MFA_FAIL" {
		t.Errorf("the right code after five wrong ones: got %d %s", res.status, res.raw)
	}
	hs.clock.Advance(throttleWindow)
	if res := call(secret.TOTP(key, hs.clock.Now())); res.status != 200 {
		t.Errorf("the right code after the block: got %d %s", res.status, res.raw)
	}
}

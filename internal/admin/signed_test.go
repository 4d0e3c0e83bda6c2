package admin

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestSignedBySchemes: every signature scheme of package auth signs an
// admin call, with and without a body (for the schemes that sign one).
func TestSignedBySchemes(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	for _, scheme := range signingSchemes {
		hs.clock.Advance(time.Second)
		if res := hs.signed(scheme, a.key, "GET", "/v1/accounts/acme", ""); res.status != 200 || res.str("pin") != "acme" {
			t.Errorf("GET signed by %s: got %d %s", scheme, res.status, res.raw)
		}
		hs.clock.Advance(time.Second)
		res := hs.signed(scheme, a.key, "GET", "/v1/groups?pageSize=5", "")
		if res.status != 200 || !strings.Contains(res.raw, a.group) {
			t.Errorf("GET with a query signed by %s: got %d %s", scheme, res.status, res.raw)
		}
		if scheme == model.SchemeTencentV1 {
			continue
		}
		hs.clock.Advance(time.Second)
		if res := hs.signed(scheme, a.key, "PATCH", "/v1/accounts/acme", `{"name":"by `+scheme+`"}`); res.status != 200 || res.str("name") != "by "+scheme {
			t.Errorf("PATCH signed by %s: got %d %s", scheme, res.status, res.raw)
		}
	}
}

// TestAuthenticationRefusals: each way a credential can be wrong, and
// what it answers. None of them changes anything.
func TestAuthenticationRefusals(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	hs.tenant("other")
	acct := "/v1/accounts/acme"

	disabled := keyOf(t, hs.must("POST", acct+"/keys", `{}`, 201))
	hs.must("PATCH", acct+"/keys/"+disabled.ak, `{"enabled":false}`, 200)
	appKey := keyOf(t, hs.must("POST", acct+"/keys", `{"kind":"appkey"}`, 201))
	wrong := creds{ak: a.key.ak, sk: []byte("not the secret")}
	unknown := creds{ak: "TGNOSUCHKEY00000000", sk: a.key.sk}

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"no credential", func() *http.Request { return hs.request("GET", acct, "") }, 401, "UNAUTHENTICATED"},
		{"wrong token", func() *http.Request {
			r := hs.request("GET", acct, "")
			r.Header.Set("Authorization", "Bearer nope")
			return r
		}, 401, "UNAUTHENTICATED"},
		{"unknown scheme", func() *http.Request {
			r := hs.request("GET", acct, "")
			r.Header.Set("Authorization", "HMAC-MD5 x")
			return r
		}, 401, "UNAUTHENTICATED"},
		{"wrong secret", func() *http.Request { return hs.signedRequest(model.SchemeAWS4, wrong, "GET", acct, "", nil) }, 401, "APIGW_SIGN_RESULT_NOT_SAME"},
		{"unknown key", func() *http.Request { return hs.signedRequest(model.SchemeJDCloud3, unknown, "GET", acct, "", nil) }, 401, "APIGW_KEY_NOT_EXITST"},
		{"disabled key", func() *http.Request { return hs.signedRequest(model.SchemeAWS4, disabled, "GET", acct, "", nil) }, 401, "APIGW_KEY_DISABLED"},
		{"an app key", func() *http.Request { return hs.signedRequest(model.SchemeAWS4, appKey, "GET", acct, "", nil) }, 401, "APIGW_KEY_NOT_EXITST"},
		{"signed 6 minutes ago", func() *http.Request {
			hs.clock.Advance(-6 * time.Minute)
			defer hs.clock.Advance(6 * time.Minute)
			return hs.signedRequest(model.SchemeAWS4, a.key, "GET", acct, "", nil)
		}, 401, "UNAUTHENTICATED"},
		{"signed 6 minutes ahead", func() *http.Request {
			hs.clock.Advance(6 * time.Minute)
			defer hs.clock.Advance(-6 * time.Minute)
			return hs.signedRequest(model.SchemeTC3, a.key, "GET", acct, "", nil)
		}, 401, "UNAUTHENTICATED"},
		{"TENCENT-V1 with a body", func() *http.Request {
			return hs.signedRequest(model.SchemeTencentV1, a.key, "PATCH", acct, `{"name":"x"}`, nil)
		}, 401, "APIGW_ILLEGAL_HEADER"},
		{"ZENITH with a body and no Content-MD5", func() *http.Request {
			r := hs.request("PATCH", "http://admin.test"+acct, `{"name":"x"}`)
			z, _ := auth.ByName(model.SchemeZenith)
			now := hs.clock.Now()
			z.(auth.Signer).Sign(r, []byte(`{"name":"x"}`), auth.Signing{AccessKey: a.key.ak, Secret: a.key.sk, Time: now, Expires: now.Add(time.Minute)})
			return r
		}, 401, "APIGW_ILLEGAL_HEADER"},
		{"AWS4 with an unsigned payload", func() *http.Request {
			return hs.signedRequest(model.SchemeAWS4, a.key, "PATCH", acct, `{"name":"x"}`, http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}})
		}, 401, "APIGW_ILLEGAL_HEADER"},
		{"a body changed after signing", func() *http.Request {
			r := hs.signedRequest(model.SchemeJDCloud2, a.key, "PATCH", acct, `{"name":"x"}`, nil)
			r.Body = httptest.NewRequest("PATCH", acct, strings.NewReader(`{"name":"y"}`)).Body
			return r
		}, 401, "APIGW_SIGN_RESULT_NOT_SAME"},
	}
	before := hs.state()
	for _, tt := range tests {
		hs.clock.Advance(time.Second)
		res := hs.serve(tt.req())
		if res.status != tt.status || res.errStatus() != tt.code {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, res.status, res.raw, tt.status, tt.code)
		}
		if strings.Contains(res.raw, string(a.key.sk)) {
			t.Errorf("%s: the answer holds the secret", tt.name)
		}
	}
	if hs.state() != before {
		t.Errorf("a refused call changed the store")
	}
}

// TestReplay: a nonce is accepted once; a change signed by a scheme
// without a nonce is accepted once; a read without one may repeat.
func TestReplay(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	tests := []struct {
		name       string
		scheme     string
		method     string
		body       string
		wantSecond int
	}{
		{"JDCLOUD3 read (nonce)", model.SchemeJDCloud3, "GET", "", 403},
		{"JDCLOUD2 change (nonce)", model.SchemeJDCloud2, "PATCH", `{"name":"n"}`, 403},
		{"TENCENT-V1 read (nonce)", model.SchemeTencentV1, "GET", "", 403},
		{"AWS4 change (no nonce: the signature is single-use)", model.SchemeAWS4, "PATCH", `{"name":"m"}`, 403},
		{"TC3 change (no nonce)", model.SchemeTC3, "PATCH", `{"name":"o"}`, 403},
		{"ZENITH change (no nonce)", model.SchemeZenith, "PATCH", `{"name":"p"}`, 403},
		{"AWS4 read (no nonce: may repeat)", model.SchemeAWS4, "GET", "", 200},
	}
	for _, tt := range tests {
		hs.clock.Advance(time.Second)
		req := hs.signedRequest(tt.scheme, a.key, tt.method, "/v1/accounts/acme", tt.body, nil)
		replay := req.Clone(req.Context())
		replay.Body = hs.request(tt.method, "/", tt.body).Body
		if res := hs.serve(req); res.status != 200 {
			t.Fatalf("%s: first: got %d %s", tt.name, res.status, res.raw)
		}
		res := hs.serve(replay)
		if res.status != tt.wantSecond || tt.wantSecond == 403 && res.errStatus() != "APIGW_NONCE_CONFLICT" {
			t.Errorf("%s: replay: got %d %s, want %d", tt.name, res.status, res.raw, tt.wantSecond)
		}
	}
}

// TestRotatedKeyGrace: after a rotation both secrets sign until the grace
// ends; then only the new one.
func TestRotatedKeyGrace(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	res := hs.must("POST", "/v1/accounts/acme/keys/"+a.key.ak+"/rotate", `{"graceSeconds":600}`, 200)
	fresh := creds{ak: a.key.ak, sk: []byte(res.str("secretKey"))}
	if string(fresh.sk) == string(a.key.sk) || res.str("previousExpires") == "" {
		t.Fatalf("rotate: got %s", res.raw)
	}
	hs.clock.Advance(time.Second)
	hs.mustAs(a.key, "GET", "/v1/accounts/acme", "", 200)
	hs.clock.Advance(time.Second)
	hs.mustAs(fresh, "GET", "/v1/accounts/acme", "", 200)
	hs.clock.Advance(600 * time.Second)
	if res := hs.as(a.key, "GET", "/v1/accounts/acme", ""); res.status != 401 || res.errStatus() != "APIGW_SIGN_RESULT_NOT_SAME" {
		t.Errorf("the old secret after the grace: got %d %s", res.status, res.raw)
	}
	hs.mustAs(fresh, "GET", "/v1/accounts/acme", "", 200)

	// The default grace is a day.
	res = hs.must("POST", "/v1/accounts/acme/keys/"+a.key.ak+"/rotate", ``, 200)
	if exp, _ := time.Parse(time.RFC3339Nano, res.str("previousExpires")); time.Until(exp) < 23*time.Hour {
		t.Errorf("default grace: the previous secret expires at %v", exp)
	}
}

// TestCallerState: a key whose account or user may not act, or that is
// blacklisted, is refused, each with its own code.
func TestCallerState(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(hs *harness, a *tenant)
		key    func(a *tenant) creds
		status int
		code   string
	}{
		{"account disabled", func(hs *harness, a *tenant) {
			hs.must("PATCH", "/v1/accounts/acme", `{"status":"disabled"}`, 200)
		}, func(a *tenant) creds { return a.key }, 403, "HTTP_FORBIDDEN"},
		{"account not activated", func(hs *harness, a *tenant) {
			hs.must("PATCH", "/v1/accounts/acme", `{"status":"unactivated"}`, 200)
		}, func(a *tenant) creds { return a.userKey }, 403, "USER_NOT_ACTIVATED"},
		{"user disabled", func(hs *harness, a *tenant) {
			hs.must("PATCH", "/v1/accounts/acme/users/"+a.user, `{"status":"disabled"}`, 200)
		}, func(a *tenant) creds { return a.userKey }, 403, "HTTP_FORBIDDEN"},
		{"pin blacklisted", func(hs *harness, a *tenant) {
			hs.must("POST", "/v1/blacklist", `{"kind":"pin","value":"acme"}`, 201)
		}, func(a *tenant) creds { return a.key }, 403, "APIGW_USER_BLACK_LIST"},
		{"address blacklisted", func(hs *harness, a *tenant) {
			hs.must("POST", "/v1/blacklist", `{"kind":"ip","value":"192.0.2.0/24"}`, 201)
		}, func(a *tenant) creds { return a.userKey }, 403, "APIGW_USER_BLACK_LIST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			a := hs.tenant("acme")
			tt.setup(hs, a)
			res := hs.as(tt.key(a), "GET", "/v1/groups", "")
			if res.status != tt.status || res.errStatus() != tt.code {
				t.Errorf("got %d %s, want %d %s", res.status, res.raw, tt.status, tt.code)
			}
			// The operator is never refused for an account's state.
			hs.must("GET", "/v1/groups", ``, 200)
		})
	}
}

// TestCurlAWSSigV4 calls the admin API with curl --aws-sigv4, as
// docs/admin-api.md shows, when curl is installed.
func TestCurlAWSSigV4(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	if out, _ := exec.Command(curl, "--help", "all").Output(); !strings.Contains(string(out), "--aws-sigv4") {
		t.Skip("curl without --aws-sigv4")
	}
	hs := newHarness(t)
	hs.clock.Set(time.Now()) // curl signs with the real time
	a := hs.tenant("acme")
	srv := httptest.NewServer(hs.h)
	defer srv.Close()
	run := func(args ...string) string {
		t.Helper()
		base := []string{"-sS", "--aws-sigv4", "aws:amz:tollgate:admin", "--user", a.key.ak + ":" + string(a.key.sk)}
		out, err := exec.Command(curl, append(base, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	if out := run(srv.URL + "/v1/groups"); !strings.Contains(out, a.group) {
		t.Errorf("curl GET /v1/groups: got %s", out)
	}
	out := run("-X", "POST", "-H", "Content-Type: application/json", "-d", `{"name":"from-curl"}`, srv.URL+"/v1/groups")
	if !strings.Contains(out, `"owner":"acme"`) {
		t.Errorf("curl POST /v1/groups: got %s", out)
	}
}

// TestSchemeNames holds model's list of schemes to package auth's.
func TestSchemeNames(t *testing.T) {
	got := append(slices.Clone(model.SignatureSchemes), model.AppKeySchemes...)
	slices.Sort(got)
	if want := auth.Names(); !slices.Equal(got, want) {
		t.Errorf("model's schemes %v, auth.Names() %v", got, want)
	}
}

// TestActionsMatchRoutes: every operation but the public ones names an
// action of model.Actions, and every action names an operation.
func TestActionsMatchRoutes(t *testing.T) {
	used := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		if rt.scope == scopePublic {
			continue
		}
		if !slices.Contains(model.Actions, rt.action) {
			t.Errorf("%s %s: action %q is not in model.Actions", rt.method, rt.pattern, rt.action)
		}
		used[rt.action] = true
	}
	for _, a := range model.Actions {
		if !used[a] {
			t.Errorf("model.Actions has %q, which no operation takes", a)
		}
	}
}

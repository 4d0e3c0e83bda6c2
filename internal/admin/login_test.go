package admin

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// loginTenant is a tenant whose user has the password "correct horse".
func loginTenant(hs *harness) *tenant { return hs.tenant("acme") }

func login(hs *harness, pin, user, password string) response {
	hs.t.Helper()
	return hs.call("POST", "/v1/login", fmt.Sprintf(`{"pin":%q,"user":%q,"password":%q}`, pin, user, password), nil)
}

// TestLogin: the right password answers a session pair that signs admin
// calls as the user, for two hours; every failure is the same
// UNAUTHENTICATED, which says nothing about why.
func TestLogin(t *testing.T) {
	hs := newHarness(t)
	a := loginTenant(hs)
	hs.must("POST", "/v1/accounts/acme/users", `{"name":"nopass","role":"all"}`, 201)

	res := login(hs, "acme", a.user, "correct horse")
	if res.status != 201 || res.str("pin") != "acme" || res.str("user") != a.user {
		t.Fatalf("login: got %d %s", res.status, res.raw)
	}
	exp, _ := time.Parse(time.RFC3339Nano, res.str("expiresAt"))
	if d := exp.Sub(hs.clock.Now()); d != SessionLife {
		t.Errorf("login: the session lasts %v, want %v", d, SessionLife)
	}
	s := keyOf(t, res)
	// The session signs as the user, with the user's role.
	hs.clock.Advance(time.Second)
	hs.mustAs(s, "GET", "/v1/groups/"+a.group, "", 200)
	hs.clock.Advance(time.Second)
	if res := hs.as(s, "GET", "/v1/accounts/acme/users", ""); res.errStatus() != "APIGW_CHILD_ACCOUNT_NOT_ALLOWED" {
		t.Errorf("a session acts as its user: got %d %s", res.status, res.raw)
	}
	// GET of the key shows its kind and expiry, never the secret.
	got := hs.must("GET", "/v1/accounts/acme/keys/"+s.ak, ``, 200)
	if got.str("kind") != "session" || got.str("expiresAt") == "" || strings.Contains(got.raw, string(s.sk)) {
		t.Errorf("GET session key: got %s", got.raw)
	}

	failures := []struct{ name, pin, user, password string }{
		{"wrong password", "acme", a.user, "wrong horse"},
		{"unknown user", "acme", "nobody", "correct horse"},
		{"user of another account", "other", a.user, "correct horse"},
		{"user without a password", "acme", "nopass", ""},
	}
	var messages []string
	for _, f := range failures {
		hs.srv.logins = newThrottle(hs.clock, maxLoginFailures, throttleWindow) // count each alone
		res := login(hs, f.pin, f.user, f.password)
		if res.status != 401 || res.errStatus() != "UNAUTHENTICATED" {
			t.Errorf("%s: got %d %s, want 401 UNAUTHENTICATED", f.name, res.status, res.raw)
		}
		if f.password != "" && strings.Contains(res.raw, f.password) {
			t.Errorf("%s: the answer repeats the password", f.name)
		}
		messages = append(messages, res.errMessage())
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("failed logins differ: %q and %q; they must not tell why", messages[0], m)
		}
	}

	// The session dies after its life.
	hs.clock.Advance(SessionLife)
	if res := hs.as(s, "GET", "/v1/groups", ""); res.status != 401 {
		t.Errorf("a session past its life: got %d %s", res.status, res.raw)
	}
}

// TestLoginNotAllowed: a user that may not log in is told so, but only
// after the right password.
func TestLoginNotAllowed(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup string
		path  string
	}{
		{"user disabled", `{"status":"disabled"}`, "/users/acme-dev"},
		{"account disabled", `{"status":"disabled"}`, ""},
		{"account not activated", `{"status":"unactivated"}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			a := loginTenant(hs)
			hs.must("PATCH", "/v1/accounts/acme"+tt.path, tt.setup, 200)
			if res := login(hs, "acme", a.user, "wrong horse"); res.status != 401 || res.errStatus() != "UNAUTHENTICATED" {
				t.Errorf("wrong password: got %d %s, want the plain failure", res.status, res.raw)
			}
			if res := login(hs, "acme", a.user, "correct horse"); res.status != 403 || res.errStatus() != "APIGATEWAY_HTTP_FORBIDDEN" {
				t.Errorf("right password: got %d %s, want 403 (LoginNotAllowed)", res.status, res.raw)
			}
		})
	}
}

// TestLoginThrottle: five failures for a user, or from an address,
// within 15 minutes refuse every attempt, the right one too, for 15
// minutes.
func TestLoginThrottle(t *testing.T) {
	hs := newHarness(t)
	a := loginTenant(hs)
	for range maxLoginFailures {
		login(hs, "acme", a.user, "guess")
		hs.clock.Advance(time.Minute)
	}
	if res := login(hs, "acme", a.user, "correct horse"); res.status != 401 {
		t.Errorf("the right password after 5 failures: got %d %s, want 401", res.status, res.raw)
	}
	hs.clock.Advance(throttleWindow)
	if res := login(hs, "acme", a.user, "correct horse"); res.status != 201 {
		t.Errorf("the right password 15 minutes later: got %d %s", res.status, res.raw)
	}

	// Failures spread over time do not add up.
	for range 2 * maxLoginFailures {
		login(hs, "acme", a.user, "guess")
		hs.clock.Advance(4 * time.Minute)
	}
	if res := login(hs, "acme", a.user, "correct horse"); res.status != 201 {
		t.Errorf("after failures 4 minutes apart: got %d %s", res.status, res.raw)
	}

	// One address guessing across users is blocked too, for every user.
	hs.must("POST", "/v1/accounts/acme/users", `{"name":"bob","password":"bob's password"}`, 201)
	for i := range maxLoginFailures {
		login(hs, "acme", fmt.Sprintf("user%d", i), "guess")
	}
	if res := login(hs, "acme", "bob", "bob's password"); res.status != 401 {
		t.Errorf("another user from a blocked address: got %d %s, want 401", res.status, res.raw)
	}
	req := hs.request("POST", "/v1/login", `{"pin":"acme","user":"bob","password":"bob's password"}`)
	req.RemoteAddr = "198.51.100.9:5000"
	if res := hs.serve(req); res.status != 201 {
		t.Errorf("the same user from another address: got %d %s", res.status, res.raw)
	}
}

// TestRefresh: a session is refreshed only in the last 30 minutes of its
// life, signed with it or naming it with its secret; the old one stops.
func TestRefresh(t *testing.T) {
	hs := newHarness(t)
	a := loginTenant(hs)
	s := keyOf(t, login(hs, "acme", a.user, "correct horse"))

	hs.clock.Advance(time.Second)
	res := hs.signed("JDCLOUD3-HMAC-SHA256", s, "POST", "/v1/login/refresh", "")
	if res.status != 400 || res.errStatus() != "FAILED_PRECONDITION" {
		t.Errorf("refresh early: got %d %s, want 400 FAILED_PRECONDITION (KeyRefreshOutsideWindow)", res.status, res.raw)
	}
	hs.clock.Advance(SessionLife - RefreshWindow)
	res = hs.signed("JDCLOUD3-HMAC-SHA256", s, "POST", "/v1/login/refresh", "")
	if res.status != 201 {
		t.Fatalf("refresh in the window: got %d %s", res.status, res.raw)
	}
	s2 := keyOf(t, res)
	if s2.ak == s.ak {
		t.Errorf("refresh answered the same key")
	}
	hs.clock.Advance(time.Second)
	if res := hs.as(s, "GET", "/v1/groups", ""); res.status != 401 {
		t.Errorf("the old session after a refresh: got %d %s", res.status, res.raw)
	}
	hs.clock.Advance(time.Second)
	hs.mustAs(s2, "GET", "/v1/groups", "", 200)

	// Naming the pair in the body, in the window.
	hs.clock.Advance(SessionLife - 10*time.Minute)
	body := fmt.Sprintf(`{"accessKey":%q,"secretKey":%q}`, s2.ak, s2.sk)
	if res := hs.call("POST", "/v1/login/refresh", body, nil); res.status != 201 {
		t.Errorf("refresh by the pair: got %d %s", res.status, res.raw)
	}
	wrong := fmt.Sprintf(`{"accessKey":%q,"secretKey":"nope"}`, s2.ak)
	if res := hs.call("POST", "/v1/login/refresh", wrong, nil); res.status != 401 {
		t.Errorf("refresh by a wrong pair: got %d %s", res.status, res.raw)
	}
	// Past its end, a session cannot be refreshed: log in again.
	s3 := keyOf(t, login(hs, "acme", a.user, "correct horse"))
	hs.clock.Advance(SessionLife)
	body = fmt.Sprintf(`{"accessKey":%q,"secretKey":%q}`, s3.ak, s3.sk)
	if res := hs.call("POST", "/v1/login/refresh", body, nil); res.status != 400 || res.errStatus() != "FAILED_PRECONDITION" {
		t.Errorf("refresh after the end: got %d %s", res.status, res.raw)
	}
	// A long-lived key is no session.
	hs.clock.Advance(time.Second)
	if res := hs.as(a.key, "POST", "/v1/login/refresh", ""); res.status != 400 || res.errStatus() != "APIGW_PARAM_VALUE_INVALID" {
		t.Errorf("refresh of an account key: got %d %s", res.status, res.raw)
	}
}

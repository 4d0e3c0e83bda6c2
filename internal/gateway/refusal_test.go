package gateway

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// refusal is one request the gateway must refuse, with the status and the
// code of the group's dialect it must be refused with.
type refusal struct {
	name   string
	req    func(h *harness) *http.Request
	status int
	code   string
}

// get returns a refusal builder for a signed GET.
func get(host, path string, s signing) func(*harness) *http.Request {
	return func(h *harness) *http.Request { return h.signed("GET", host, path, "", s) }
}

// tamper returns a builder for a signed GET that f changes after signing.
func tamper(host, path string, s signing, f func(*http.Request)) func(*harness) *http.Request {
	return func(h *harness) *http.Request {
		r := h.signed("GET", host, path, "", s)
		f(r)
		return r
	}
}

// setParam sets a query parameter of r after signing.
func setParam(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		q := r.URL.Query()
		q.Set(name, value)
		r.URL.RawQuery = q.Encode()
	}
}

func delParam(name string) func(*http.Request) {
	return func(r *http.Request) {
		q := r.URL.Query()
		q.Del(name)
		r.URL.RawQuery = q.Encode()
	}
}

func plain(host, path string) func(*harness) *http.Request {
	return func(h *harness) *http.Request { return h.request("GET", host, path, nil) }
}

var (
	jd2  = func(ak string) signing { return signing{scheme: model.SchemeJDCloud2, ak: ak} }
	app  = func(ak string) signing { return signing{scheme: model.SchemeAppKey, ak: ak} }
	zen  = func(ak string) signing { return signing{scheme: model.SchemeZenith, ak: ak} }
	tc3  = func(ak string) signing { return signing{scheme: model.SchemeTC3, ak: ak} }
	tcv1 = func(ak string) signing { return signing{scheme: model.SchemeTencentV1, ak: ak} }
)

func with(s signing, f func(*signing)) signing { f(&s); return s }

func TestRefusals(t *testing.T) {
	const early, late = -6 * time.Minute, 6 * time.Minute
	tests := []refusal{
		// jdcloud: authenticate.
		{"no credentials", plain(hostJD, "/users/1"), 401, "APIGW_LACK_PARAMS"},
		{"garbled Authorization", func(h *harness) *http.Request {
			r := h.request("GET", hostJD, "/users/1", nil)
			r.Header.Set("Authorization", "JDCLOUD2-HMAC-SHA256 Credential=AK, Colour=blue")
			return r
		}, 401, "APIGW_ILLEGAL_HEADER"},
		{"no nonce", tamper(hostJD, "/users/1", jd2("AK"), func(r *http.Request) { r.Header.Del("X-Jdcloud-Nonce") }), 401, "APIGW_LACK_PARAMS"},
		{"no date", tamper(hostJD, "/users/1", jd2("AK"), func(r *http.Request) { r.Header.Del("X-Jdcloud-Date") }), 401, "APIGW_LACK_PARAMS"},
		{"bad date format", tamper(hostJD, "/users/1", jd2("AK"), func(r *http.Request) { r.Header.Set("X-Jdcloud-Date", "yesterday") }), 401, "UNAUTHENTICATED"},
		{"unknown key", get(hostJD, "/users/1", with(jd2("NOPE"), func(s *signing) { s.secret = "x" })), 401, "APIGW_KEY_NOT_EXITST"},
		{"wrong secret", get(hostJD, "/users/1", with(jd2("AK"), func(s *signing) { s.secret = "wrong" })), 401, "APIGW_SIGN_RESULT_NOT_SAME"},
		{"path changed", tamper(hostJD, "/users/1", jd2("AK"), func(r *http.Request) { r.URL.Path = "/users/2" }), 401, "APIGW_SIGN_RESULT_NOT_SAME"},
		{"app key on a signature group", get(hostJD, "/users/1", jd2("APP")), 401, "APIGW_KEY_NOT_EXITST"},
		{"region not the pinned one", get(hostPinned, "/users/1", with(signing{scheme: model.SchemeAWS4, ak: "AK"}, func(s *signing) { s.region = "us-east-1" })), 401, "APIGW_ILLEGAL_HEADER"},
		{"scheme not accepted", get(hostPinned, "/users/1", jd2("AK")), 401, "APIGW_ILLEGAL_HEADER"},
		// jdcloud: replay.
		{"signed too early", get(hostJD, "/users/1", with(jd2("AK"), func(s *signing) { s.at = early })), 401, "UNAUTHENTICATED"},
		{"signed in the future", get(hostJD, "/users/1", with(jd2("AK"), func(s *signing) { s.at = late })), 401, "UNAUTHENTICATED"},
		// jdcloud: identity.
		{"key disabled", get(hostJD, "/users/1", jd2("AKOFF")), 401, "APIGW_KEY_DISABLED"},
		{"account disabled", get(hostJD, "/users/1", jd2("AKDIS")), 403, "HTTP_FORBIDDEN"},
		{"account not activated", get(hostJD, "/users/1", jd2("AKNEW")), 403, "USER_NOT_ACTIVATED"},
		{"user disabled", get(hostJD, "/users/1", jd2("AKBAN")), 403, "HTTP_FORBIDDEN"},
		{"user gone", get(hostJD, "/users/1", jd2("AKGONE")), 403, "APIGW_USER_NOT_EXITST"},
		{"pin blacklisted", get(hostJD, "/users/1", jd2("AKBLK")), 403, "APIGW_USER_BLACK_LIST"},
		{"role without the API", get(hostJD, "/other", jd2("AKDEV")), 403, "APIGW_ROLE_NOT_ALLOWED"},
		{"role without the group", get(hostTC, "/users/1", tc3("AKDEV")), 403, "4300"},
		{"role that does not exist", get(hostJD, "/users/1", jd2("AKLOST")), 403, "APIGW_ROLE_NOT_EXITST"},
		// jdcloud: authorize.
		{"pin not allowed by the publisher", get(hostPinned, "/users/1", signing{scheme: model.SchemeAWS4, ak: "AKEXT"}), 403, "HTTP_FORBIDDEN"},
		{"not authorized", get(hostJD, "/users/1", jd2("AKSTR")), 404, "APIGATEWAY_BIND_GROUP_NOT_FOUND"},
		{"API not authorized", get(hostJD, "/other", jd2("AKLIM")), 403, "APIGW_API_NOT_ALLOWED"},

		// market.
		{"market: no credentials", plain(hostMarket, "/users/1"), 401, "10004"},
		{"market: no sign", tamper(hostMarket, "/users/1", app("APP"), delParam("sign")), 401, "10042"},
		{"market: no app key", tamper(hostMarket, "/users/1", app("APP"), delParam("appkey")), 401, "10004"},
		{"market: bad timestamp", tamper(hostMarket, "/users/1", app("APP"), setParam("timestamp", "12:00")), 401, "10046"},
		{"market: expired", get(hostMarket, "/users/1", with(app("APP"), func(s *signing) { s.at = early })), 401, "10047"},
		{"market: mismatch", get(hostMarket, "/users/1", with(app("APP"), func(s *signing) { s.secret = "wrong" })), 401, "10047"},
		{"market: unknown app key", get(hostMarket, "/users/1", with(app("AK"), func(s *signing) { s.secret = secretAK })), 401, "10001"},
		{"market: a JD signature", get(hostMarket, "/users/1", jd2("AK")), 401, "10004"},

		// zenith.
		{"zenith: no credentials", plain(hostZenith, "/users/1"), 401, "1001"},
		{"zenith: bad expires", tamper(hostZenith, "/users/1", zen("AK"), setParam("expires", "soon")), 401, "1003"},
		{"zenith: expired", get(hostZenith, "/users/1", with(zen("AK"), func(s *signing) { s.at, s.expires = -2*time.Minute, time.Minute })), 401, "1002"},
		{"zenith: expires too late", get(hostZenith, "/users/1", with(zen("AK"), func(s *signing) { s.expires = 15 * time.Minute })), 401, "1002"},
		{"zenith: mismatch", get(hostZenith, "/users/1", with(zen("AK"), func(s *signing) { s.secret = "wrong" })), 401, "1004"},
		{"zenith: unknown key", get(hostZenith, "/users/1", with(zen("NOPE"), func(s *signing) { s.secret = "x" })), 401, "1005"},
		{"zenith: key disabled", get(hostZenith, "/users/1", zen("AKOFF")), 401, "1006"},
		{"zenith: account disabled", get(hostZenith, "/users/1", zen("AKDIS")), 403, "1009"},
		{"zenith: not authorized", get(hostZenith, "/users/1", zen("AKSTR")), 404, "1015"},

		// tencent.
		{"tencent: no credentials", plain(hostTC, "/users/1"), 401, "4000"},
		{"tencent: bad timestamp", tamper(hostTC, "/users/1", tc3("AK"), func(r *http.Request) { r.Header.Set("X-Tc-Timestamp", "noon") }), 401, "4000"},
		{"tencent: expired", get(hostTC, "/users/1", with(tc3("AK"), func(s *signing) { s.at = early })), 401, "4200"},
		{"tencent v1: expired", get(hostTC, "/users/1", with(tcv1("AK"), func(s *signing) { s.at = late })), 401, "4200"},
		{"tencent: mismatch", get(hostTC, "/users/1", with(tc3("AK"), func(s *signing) { s.secret = "wrong" })), 401, "4100"},
		{"tencent v1: mismatch", get(hostTC, "/users/1", with(tcv1("AK"), func(s *signing) { s.secret = "wrong" })), 401, "4100"},
		{"tencent: not authorized", get(hostTC, "/users/1", tc3("AKSTR")), 404, "4300"},
		{"tencent: scheme not accepted", get(hostTC, "/users/1", jd2("AK")), 401, "4000"},
	}
	h := newSignedHarness(t, Config{})
	for _, tt := range tests {
		resp := h.do(tt.req(h))
		if resp.StatusCode != tt.status || resp.code() != tt.code {
			t.Errorf("%s: got %d %s, want %d %s: %s", tt.name, resp.StatusCode, resp.code(), tt.status, tt.code, resp.body)
		}
	}
}

// TestNonceReuse sends each nonce-carrying scheme's request twice: the
// second is refused, in each dialect, and a fresh nonce is served.
func TestNonceReuse(t *testing.T) {
	h := newSignedHarness(t, Config{})
	tests := []struct {
		host string
		s    signing
		code string
	}{
		{hostJD, jd2("AK"), "APIGW_NONCE_CONFLICT"},
		{hostJD, signing{scheme: model.SchemeJDCloud3, ak: "AK"}, "APIGW_NONCE_CONFLICT"},
		{hostTC, tcv1("AK"), "4500"},
	}
	for _, tt := range tests {
		req := h.signed("GET", tt.host, "/users/1", "", tt.s)
		if resp := h.do(req); resp.StatusCode != 200 {
			t.Errorf("%s first use: %d %s", tt.s.scheme, resp.StatusCode, resp.body)
		}
		if resp := h.do(req); resp.StatusCode != 403 || resp.code() != tt.code {
			t.Errorf("%s replayed: %d %s, want 403 %s", tt.s.scheme, resp.StatusCode, resp.body, tt.code)
		}
		if resp := h.do(h.signed("GET", tt.host, "/users/1", "", tt.s)); resp.StatusCode != 200 {
			t.Errorf("%s fresh nonce: %d %s", tt.s.scheme, resp.StatusCode, resp.body)
		}
	}

	// A nonce is remembered for as long as its timestamp is acceptable:
	// signed at the window's far edge, replayed at its other edge.
	s := with(jd2("AK"), func(s *signing) { s.nonce, s.at = "edge", 5*time.Minute })
	req := h.signed("GET", hostJD, "/users/1", "", s)
	if resp := h.do(req); resp.StatusCode != 200 {
		t.Fatalf("first use at the window's edge: %d %s", resp.StatusCode, resp.body)
	}
	h.clock.Advance(10 * time.Minute)
	if resp := h.do(req); resp.StatusCode != 403 || resp.code() != "APIGW_NONCE_CONFLICT" {
		t.Errorf("replayed ten minutes later, still in the window: %d %s", resp.StatusCode, resp.body)
	}
	// The same nonce with another key is another nonce.
	s.ak = "AKDEV"
	if resp := h.do(h.signed("GET", hostJD, "/users/1", "", with(s, func(s *signing) { s.at = -5 * time.Minute }))); resp.StatusCode != 200 {
		t.Errorf("same nonce, other key: %d %s", resp.StatusCode, resp.body)
	}
}

// TestReplayWindowPerGroup checks a group's own window.
func TestReplayWindowPerGroup(t *testing.T) {
	pubs := fixtureGroups(proxytest.Echo(t, "echo").URL)
	pubs[0].Group.ReplayWindowSeconds = 30
	h := newCallersHarness(t, Config{}, fixtureCallers(), pubs...)
	for _, tt := range []struct {
		at   time.Duration
		want int
	}{{-30 * time.Second, 200}, {-31 * time.Second, 401}, {30 * time.Second, 200}, {31 * time.Second, 401}} {
		resp := h.do(h.signed("GET", hostJD, "/users/1", "", with(jd2("AK"), func(s *signing) { s.at = tt.at })))
		if resp.StatusCode != tt.want {
			t.Errorf("signed %v away, window 30s: %d, want %d: %s", tt.at, resp.StatusCode, tt.want, resp.body)
		}
	}
}

// TestPipelineOrder checks that when several things are wrong the
// earliest stage's error is the one returned.
func TestPipelineOrder(t *testing.T) {
	h := newSignedHarness(t, Config{})
	// An unauthorized key with a replayed nonce gets the nonce error:
	// replay (5) comes before authorize (7).
	req := h.signed("GET", hostJD, "/users/1", "", jd2("AKSTR"))
	if resp := h.do(req); resp.code() != "APIGATEWAY_BIND_GROUP_NOT_FOUND" {
		t.Fatalf("first: %d %s", resp.StatusCode, resp.body)
	}
	tests := []refusal{
		{"replayed and not authorized", func(*harness) *http.Request { return req }, 403, "APIGW_NONCE_CONFLICT"},
		{"bad signature on an unknown path", get(hostJD, "/nowhere", with(jd2("AK"), func(s *signing) { s.secret = "wrong" })), 404, "NOT_FOUND"},
		{"no credentials on an unknown host", plain("g-none.localhost", "/users/1"), 404, "APIGW_SERVICE_NOT_FOUND"},
		{"disabled key, bad signature", get(hostJD, "/users/1", with(jd2("AKOFF"), func(s *signing) { s.secret = "wrong" })), 401, "APIGW_SIGN_RESULT_NOT_SAME"},
		{"disabled key, expired", get(hostJD, "/users/1", with(jd2("AKOFF"), func(s *signing) { s.at = -time.Hour })), 401, "UNAUTHENTICATED"},
		{"blacklisted and not authorized", get(hostJD, "/users/1", jd2("AKBLK")), 403, "APIGW_USER_BLACK_LIST"},
		{"unactivated account, not allowed by the publisher", get(hostPinned, "/users/1", signing{scheme: model.SchemeAWS4, ak: "AKNEW"}), 403, "USER_NOT_ACTIVATED"},
	}
	for _, tt := range tests {
		resp := h.do(tt.req(h))
		if resp.StatusCode != tt.status || resp.code() != tt.code {
			t.Errorf("%s: got %d %s, want %d %s: %s", tt.name, resp.StatusCode, resp.code(), tt.status, tt.code, resp.body)
		}
	}
}

// TestIPBlacklist checks the address blacklist against the connection's
// peer, and X-Forwarded-For only from trusted proxies.
func TestIPBlacklist(t *testing.T) {
	xff := func(host string, s *signing, v string) func(*harness) *http.Request {
		return func(h *harness) *http.Request {
			var r *http.Request
			if s == nil {
				r = h.request("GET", host, "/users/1", nil)
			} else {
				r = h.signed("GET", host, "/users/1", "", *s)
			}
			r.Header.Set("X-Forwarded-For", v)
			return r
		}
	}
	ak := jd2("AK")
	untrusted := newSignedHarness(t, Config{})
	for _, tt := range []refusal{
		{"forwarded-for ignored by default", xff(hostJD, &ak, "192.0.2.1"), 200, ""},
	} {
		if resp := untrusted.do(tt.req(untrusted)); resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, resp.body)
		}
	}
	trusted := newSignedHarness(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}})
	for _, tt := range []refusal{
		{"blacklisted client behind a trusted proxy", xff(hostJD, &ak, "192.0.2.1"), 403, "APIGW_USER_BLACK_LIST"},
		{"through two trusted proxies", xff(hostJD, &ak, "192.0.2.1, 10.1.1.1"), 403, "APIGW_USER_BLACK_LIST"},
		{"a forged entry left of the client", xff(hostJD, &ak, "192.0.2.1, 198.51.100.1"), 200, ""},
		{"garbage stops the walk", xff(hostJD, &ak, "192.0.2.1, junk"), 200, ""},
		{"a group of auth type none", xff(hostOpen, nil, "192.0.2.200"), 403, "APIGW_USER_BLACK_LIST"},
		{"a group of auth type none, clean address", xff(hostOpen, nil, "198.51.100.1"), 200, ""},
	} {
		resp := trusted.do(tt.req(trusted))
		if resp.StatusCode != tt.status || tt.code != "" && resp.code() != tt.code {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, resp.StatusCode, resp.body, tt.status, tt.code)
		}
	}
}

func TestClientAddr(t *testing.T) {
	g := &Gateway{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	tests := []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.5:1234", []string{"192.0.2.1"}, "203.0.113.5"},
		{"10.0.0.1:1234", nil, "10.0.0.1"},
		{"10.0.0.1:1234", []string{"192.0.2.1"}, "192.0.2.1"},
		{"10.0.0.1:1234", []string{"192.0.2.1, 10.2.2.2", "10.3.3.3"}, "192.0.2.1"},
		{"10.0.0.1:1234", []string{"192.0.2.9", "192.0.2.1,10.2.2.2"}, "192.0.2.1"},
		{"10.0.0.1:1234", []string{" , 10.2.2.2 ,"}, "10.2.2.2"},
		{"[::ffff:10.0.0.1]:1234", []string{"[bad]"}, "10.0.0.1"},
		{"[2001:db8::1]:80", nil, "2001:db8::1"},
	}
	for _, tt := range tests {
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.xff != nil {
			r.Header["X-Forwarded-For"] = tt.xff
		}
		got, ok := g.clientAddr(r)
		if !ok || got.String() != tt.want {
			t.Errorf("clientAddr(%s, %q) = %v, %v; want %s", tt.remote, tt.xff, got, ok, tt.want)
		}
	}
	if _, ok := g.clientAddr(&http.Request{RemoteAddr: "pipe"}); ok {
		t.Error("clientAddr of a non-IP peer reported an address")
	}
	r := &http.Request{RemoteAddr: "10.0.0.1:1", Header: http.Header{"X-Forwarded-For": {"192.0.2.1, 10.2.2.2"}}}
	if n := testing.AllocsPerRun(100, func() { g.clientAddr(r) }); n != 0 {
		t.Errorf("clientAddr allocates %v times", n)
	}
}

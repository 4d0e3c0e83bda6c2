package gateway

import (
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// forged are identity headers a client tries to pass off as the gateway's.
var forged = map[string]string{
	"X-Jdcloud-Pin":          "root",
	"X-Jdcloud-User":         "admin",
	"X-Jdcloud-Access-Key":   "AKROOT",
	"X-Tollgate-Auth-Scheme": "trusted",
	"X_jdcloud_pin":          "root", // what a CGI-style backend reads as X-Jdcloud-Pin
	"x_Jdcloud-User":         "admin",
}

func TestForgedIdentityHeadersRemoved(t *testing.T) {
	h := newSignedHarness(t, Config{})
	// A group of auth type none: nothing is set, and nothing forged gets
	// through.
	req := h.request("GET", hostOpen, "/users/1", nil)
	for k, v := range forged {
		req.Header[k] = []string{v}
	}
	req.Header.Set("Authorization", "Bearer backend-token")
	got := h.do(req).echoed(t)
	for k := range got.Header {
		if isIdentityHeader(k) {
			t.Errorf("open group: backend got %s: %q", k, got.Header[k])
		}
	}
	if got.Header.Get("Authorization") != "Bearer backend-token" {
		t.Error("open group: the client's Authorization was not passed on; the backend may do its own auth")
	}

	// A signed group: the verified caller replaces the forgery, even when
	// the forged headers were signed (JDCLOUD2 signs every x-jdcloud-*).
	req = h.request("GET", hostJD, "/users/1", nil)
	for k, v := range forged {
		req.Header[k] = []string{v}
	}
	h.sign(req, nil, jd2("AKDEV"))
	got = h.do(req).echoed(t)
	want := map[string]string{
		"X-Jdcloud-Pin": "acme", "X-Jdcloud-User": "dev", "X-Jdcloud-Access-Key": "AKDEV",
		"X-Tollgate-Auth-Scheme": model.SchemeJDCloud2,
	}
	for k := range got.Header {
		if isIdentityHeader(k) && (len(got.Header[k]) != 1 || got.Header[k][0] != want[k]) {
			t.Errorf("signed group: backend got %s: %q, want %q", k, got.Header[k], want[k])
		}
	}
	for k, v := range want {
		if got.Header.Get(k) != v {
			t.Errorf("signed group: backend got %s %q, want %q", k, got.Header.Get(k), v)
		}
	}
}

// TestCredentialsNotForwarded checks that the credential parameters of
// the query schemes are removed, spelled plainly or escaped, while the
// other parameters keep their order and escaping; and that the signature
// headers of every scheme are removed even when sent beside another.
func TestCredentialsNotForwarded(t *testing.T) {
	h := newSignedHarness(t, Config{})
	tests := []struct {
		name string
		host string
		s    signing
		raw  string // query added after signing, for the parameters a scheme leaves unsigned
		want string
	}{
		{"market", hostMarket, app("APP"), "", "a=%2F&z=1"},
		{"zenith", hostZenith, zen("AK"), "", "a=%2F&z=1"},
		{"tencent v1", hostTC, tcv1("AK"), "", "Region=cn-north-1&a=%2F&z=1"},
		{"market, escaped duplicate", hostMarket, app("APP"), "&%73ign=forged&app%6bey=x", "a=%2F&z=1"},
		{"jdcloud3, nameless parameter", hostJD, signing{scheme: model.SchemeJDCloud3, ak: "AK"}, "&=unsigned", "z=1&a=%2F"},
	}
	for _, tt := range tests {
		req := h.request("GET", tt.host, "/users/1?z=1&a=%2F", nil)
		for _, k := range credentialHeaders {
			if k != "Authorization" {
				req.Header.Set(k, "client-value")
			}
		}
		h.sign(req, nil, tt.s)
		req.URL.RawQuery += tt.raw
		got := h.do(req).echoed(t)
		_, q, _ := strings.Cut(got.RequestURI, "?")
		if q != tt.want {
			t.Errorf("%s: backend got query %q, want %q", tt.name, q, tt.want)
		}
		for _, k := range credentialHeaders {
			if v, ok := got.Header[k]; ok {
				t.Errorf("%s: backend got %s: %q", tt.name, k, v)
			}
		}
		if got.Header.Get("X-Tc-Action") != "" {
			t.Errorf("%s: X-Tc-Action appeared", tt.name)
		}
	}

	// Tencent-style request data in X-TC-* headers is not a credential.
	req := h.request("GET", hostTC, "/users/1", nil)
	req.Header.Set("X-TC-Action", "DescribeInstances")
	req.Header.Set("X-TC-Version", "2017-03-12")
	h.sign(req, nil, tc3("AK"))
	got := h.do(req).echoed(t)
	if got.Header.Get("X-Tc-Action") != "DescribeInstances" || got.Header.Get("X-Tc-Version") != "2017-03-12" ||
		got.Header.Get("X-Tc-Timestamp") != "" || got.Header.Get("Authorization") != "" {
		t.Errorf("tc3: backend got %v", got.Header)
	}
}

func TestStripQuery(t *testing.T) {
	names := []string{"appkey", "sign", "timestamp"}
	tests := []struct {
		raw          string
		dropNameless bool
		want         string
	}{
		{"", false, ""},
		{"a=1&b=2", false, "a=1&b=2"},
		{"appkey=x&a=1&sign=y&timestamp=3", false, "a=1"},
		{"a=1&sign", false, "a=1"},
		{"si%67n=1&a=%20&time+stamp=2&b", false, "a=%20&time+stamp=2&b"},
		{"Sign=1", false, "Sign=1"},
		{"signs=1&sig=2&%=3&%zz=4", false, "signs=1&sig=2&%=3&%zz=4"},
		{"=1&a=2&&=", true, "a=2"},
		{"=1&a=2", false, "=1&a=2"},
		{"&&a=1", true, "&&a=1"},
	}
	for _, tt := range tests {
		if got := stripQuery(tt.raw, names, tt.dropNameless); got != tt.want {
			t.Errorf("stripQuery(%q, %v) = %q, want %q", tt.raw, tt.dropNameless, got, tt.want)
		}
	}
	raw := "a=1&b=2&c=3"
	if n := testing.AllocsPerRun(100, func() { stripQuery(raw, names, true) }); n != 0 {
		t.Errorf("stripQuery with nothing to drop allocates %v times", n)
	}
}

func TestIsIdentityHeader(t *testing.T) {
	for k, want := range map[string]bool{
		"X-Jdcloud-Pin": true, "X_JDCLOUD_PIN": true, "x-jdcloud-user": true, "X-Jdcloud-Access_Key": true,
		"X-Tollgate-Auth-Scheme": true, "X-Jdcloud-Pins": false, "X-Jdcloud-Date": false, "Authorization": false,
		"Y-Jdcloud-Pin": false,
	} {
		if got := isIdentityHeader(k); got != want {
			t.Errorf("isIdentityHeader(%q) = %v, want %v", k, got, want)
		}
	}
}

package admin

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestAnswerChoice: which dialect and language a refusal comes in: the
// account's own, unless the call asks for another with ?dialect=,
// X-Tollgate-Dialect or Accept-Language; a choice that cannot be is a
// clear 400 in the default dialect, but only once the caller is known.
func TestAnswerChoice(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	hs.must("PATCH", "/v1/accounts/acme", `{"dialect":"zenith","language":"zh"}`, 200)
	missing := "/v1/groups/g-nosuchgrp0"

	tests := []struct {
		name     string
		signed   bool // by acme's key; else without a credential
		path     string
		header   http.Header
		status   int
		dialect  errcode.Dialect
		code     string
		inMsg    string
		language errcode.Lang
	}{
		{"the account's dialect and language", true, missing, nil, 403, errcode.DialectZenith, "1000", "请求的URL不存在", errcode.Chinese},
		{"Accept-Language overrides the language", true, missing, http.Header{"Accept-Language": {"en-GB"}}, 403, errcode.DialectZenith, "1000", "Request url is not exist!", errcode.English},
		{"?dialect overrides the dialect", true, missing + "?dialect=tencent", nil, 403, errcode.DialectTencent, "5000", "资源不存在", errcode.Chinese},
		{"the header overrides the dialect", true, missing, http.Header{dialectHeader: {"market"}}, 403, errcode.DialectMarket, "10003", "对应的数据信息不存在", errcode.Chinese},
		{"both, agreeing", true, missing + "?dialect=jdcloud", http.Header{dialectHeader: {"jdcloud"}}, 403, errcode.DialectJDCloud, "APIGATEWAY_HTTP_FORBIDDEN", "没有权限", errcode.Chinese},
		{"both, disagreeing", true, missing + "?dialect=jdcloud", http.Header{dialectHeader: {"tencent"}}, 400, errcode.DialectZenith, "1103", "dialect", errcode.Chinese},
		{"an unknown dialect", true, missing + "?dialect=soap", nil, 400, errcode.DialectZenith, "1103", `"soap" is not one of jdcloud, market, zenith, tencent`, errcode.Chinese},
		{"an unknown dialect in the header", true, missing, http.Header{dialectHeader: {"Tencent"}}, 400, errcode.DialectZenith, "1103", `"Tencent"`, errcode.Chinese},
		{"a malformed envelope", true, missing + "?envelope=yes", nil, 400, errcode.DialectZenith, "1103", "envelope", errcode.Chinese},
		{"an envelope zenith has not", true, "/v1/groups?envelope=true", nil, 400, errcode.DialectZenith, "1103", "the zenith dialect answers successes without an envelope", errcode.Chinese},
		{"an envelope tencent has not", true, "/v1/groups?envelope=true&dialect=tencent", nil, 400, errcode.DialectZenith, "1103", "the tencent dialect", errcode.Chinese},
		{"no credential, the default", false, missing, nil, 401, errcode.DialectJDCloud, "UNAUTHENTICATED", "Verification Failed", errcode.English},
		{"no credential, a dialect asked for", false, missing + "?dialect=tencent", http.Header{"Accept-Language": {"zh-CN"}}, 401, errcode.DialectTencent, "4100", "鉴权失败", errcode.Chinese},
		{"no credential, an unknown dialect: 401 first", false, missing + "?dialect=soap", nil, 401, errcode.DialectJDCloud, "UNAUTHENTICATED", "Verification Failed", errcode.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs.t = t
			var res response
			if tt.signed {
				hs.clock.Advance(time.Second)
				res = hs.serve(hs.signedRequest(model.SchemeAWS4, a.key, "GET", tt.path, "", tt.header))
			} else {
				res = hs.call("GET", tt.path, "", tt.header)
			}
			if res.status != tt.status || res.code(tt.dialect) != tt.code {
				t.Fatalf("got %d %s, want %d %s in %s", res.status, res.raw, tt.status, tt.code, tt.dialect)
			}
			if !strings.Contains(res.message(tt.dialect), tt.inMsg) {
				t.Errorf("got %s, want it to say %q", res.raw, tt.inMsg)
			}
		})
	}
}

// TestSuccessEnvelope: successes are the plain resource, but in the
// jdcloud dialect's envelope (APIGATEWAY_SUCCESS) with ?envelope=true and
// in the market's (10000) by default; a deletion answers 200 with an
// envelope that has no result. The ETag is the same whatever the
// envelope.
func TestSuccessEnvelope(t *testing.T) {
	hs := newHarness(t)
	g := "/v1/groups/" + hs.must("POST", "/v1/groups", `{"name":"shop"}`, 201).str("groupId")
	plain := hs.must("GET", g, "", 200)
	if _, ok := plain.body["groupId"]; !ok || plain.header.Get("ETag") == "" {
		t.Fatalf("plain: got %s with ETag %q", plain.raw, plain.header.Get("ETag"))
	}
	result := func(res response) string {
		r, _ := json.Marshal(res.body["result"])
		return string(r)
	}
	compact := func(raw string) string {
		var v any
		_ = json.Unmarshal([]byte(raw), &v)
		b, _ := json.Marshal(v)
		return string(b)
	}

	jd := hs.call("GET", g+"?envelope=true", "", http.Header{"Authorization": {"Bearer " + token}, "X-Request-Id": {"r1"}})
	if jd.status != 200 || jd.str("status") != "APIGATEWAY_SUCCESS" || jd.str("requestId") != "r1" || result(jd) != compact(plain.raw) {
		t.Errorf("jdcloud ?envelope=true: got %d %s, want APIGATEWAY_SUCCESS around %s", jd.status, jd.raw, plain.raw)
	}
	market := hs.must("GET", g+"?dialect=market", "", 200)
	if market.str("code") != "10000" || result(market) != compact(plain.raw) {
		t.Errorf("market: got %s, want code 10000 around %s", market.raw, plain.raw)
	}
	if off := hs.must("GET", g+"?dialect=market&envelope=false", "", 200); off.raw != plain.raw {
		t.Errorf("market ?envelope=false: got %s, want %s", off.raw, plain.raw)
	}
	for _, res := range []response{jd, market} {
		if res.header.Get("ETag") != plain.header.Get("ETag") {
			t.Errorf("ETag: got %q in an envelope, %q plain", res.header.Get("ETag"), plain.header.Get("ETag"))
		}
	}
	if res := hs.must("GET", g+"?dialect=zenith", "", 200); res.raw != plain.raw {
		t.Errorf("zenith: got %s, want the plain %s", res.raw, plain.raw)
	}
	created := hs.must("POST", "/v1/groups?envelope=true", `{"name":"second"}`, 201)
	if created.str("status") != "APIGATEWAY_SUCCESS" || !strings.Contains(result(created), `"name":"second"`) || created.header.Get("Location") == "" {
		t.Errorf("a creation with ?envelope=true: got %s", created.raw)
	}
	deleted := hs.must("DELETE", g+"?envelope=true", "", 200)
	if deleted.str("status") != "APIGATEWAY_SUCCESS" || deleted.body["result"] != nil || strings.Contains(deleted.raw, "result") {
		t.Errorf("a deletion with ?envelope=true: got %s, want an envelope without a result", deleted.raw)
	}
	if res := hs.do("DELETE", "/v1/groups/"+created.body["result"].(map[string]any)["groupId"].(string), ""); res.status != 204 || res.raw != "" {
		t.Errorf("a deletion: got %d %q, want 204 without a body", res.status, res.raw)
	}
}

// TestAccountDialect: an account sets its dialect and language, which its
// users' calls answer in too; a value that is none is refused.
func TestAccountDialect(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	if res := hs.must("GET", "/v1/accounts/acme", "", 200); res.str("dialect") != "jdcloud" || res.str("language") != "en" {
		t.Errorf("defaults: got %s", res.raw)
	}
	hs.mustAs(a.key, "PATCH", "/v1/accounts/acme", `{"dialect":"tencent","language":"zh"}`, 200)
	hs.clock.Advance(time.Second)
	if res := hs.as(a.userKey, "GET", "/v1/groups/g-nosuchgrp0", ""); res.status != 403 || res.code(errcode.DialectTencent) != "5000" || !strings.Contains(res.raw, "资源不存在") {
		t.Errorf("the user of a tencent account: got %d %s", res.status, res.raw)
	}
	for _, body := range []string{`{"dialect":"soap"}`, `{"language":"fr"}`} {
		hs.clock.Advance(time.Second)
		if res := hs.as(a.key, "PATCH", "/v1/accounts/acme", body); res.status != 400 || res.code(errcode.DialectTencent) != "4000" {
			t.Errorf("PATCH %s: got %d %s, want 400 tencent 4000", body, res.status, res.raw)
		}
	}
	res := hs.must("POST", "/v1/accounts", `{"pin":"zen","dialect":"zenith"}`, 201)
	if res.str("dialect") != "zenith" || res.str("language") != "en" {
		t.Errorf("POST with a dialect: got %s", res.raw)
	}
	// The operator's own answers are the default's, whatever the
	// accounts choose.
	if res := hs.do("GET", "/v1/groups/g-nosuchgrp0", ""); res.errStatus() != "APIGATEWAY_NOT_FOUND" {
		t.Errorf("the operator: got %s", res.raw)
	}
}

package admin

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/dialects")

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines of got that want does not have, and the other
// way round.
func lineDiff(want, got string) string {
	var b strings.Builder
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// overHTTP sends req to srv, a real HTTP server, keeping the host it was
// signed for.
func overHTTP(t *testing.T, srv *httptest.Server, req *http.Request) (int, http.Header, string) {
	t.Helper()
	host := req.Host
	u := *req.URL
	u.Scheme, u.Host = "http", strings.TrimPrefix(srv.URL, "http://")
	req.URL, req.Host, req.RequestURI = &u, host, ""
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

// withQuery returns path with k=v added to its query.
func withQuery(path, k, v string) string {
	if strings.Contains(path, "?") {
		return path + "&" + k + "=" + v
	}
	return path + "?" + k + "=" + v
}

// TestRefusalsInEveryDialect renders every refusal of TestRefusals, asked
// for with ?dialect= over real HTTP, in each dialect and language; the
// golden files of testdata/dialects hold the bodies. The status is the
// jdcloud one in every dialect.
func TestRefusalsInEveryDialect(t *testing.T) {
	hs := newHarness(t)
	tests, ids := refusals(hs)
	srv := httptest.NewServer(hs.h)
	defer srv.Close()
	names := sortedIDs(ids)
	for _, d := range errcode.Dialects {
		for _, lang := range []errcode.Lang{errcode.English, errcode.Chinese} {
			var out bytes.Buffer
			for _, tt := range tests {
				req := hs.request(tt.method, "http://admin.test"+withQuery(tt.path, "dialect", string(d)), tt.body)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("X-Request-Id", "refusal")
				req.Header.Set("Accept-Language", string(lang))
				status, header, body := overHTTP(t, srv, req)
				if status != tt.status {
					t.Errorf("%s (%s): got status %d, want %d: %s", tt.name, d, status, tt.status, body)
				}
				if ct := header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("%s (%s): Content-Type %q", tt.name, d, ct)
				}
				fmt.Fprintf(&out, "%s: %d %s", tt.name, status, names.Replace(body))
			}
			golden(t, filepath.Join("testdata", "dialects", "refusals."+string(d)+"."+string(lang)+".golden"), out.Bytes())
		}
	}
}

// sortedIDs is a replacer of the ids of ids by their names, longest first.
func sortedIDs(ids map[string]string) *strings.Replacer {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, k, ids[k])
	}
	return strings.NewReplacer(pairs...)
}

// instant matches an RFC 3339 time, which golden files hold as {time}.
var instant = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)

// tenantRefusal is a call refused to a tenant (or to nobody), made in the
// dialect of the account, which the test sets.
type tenantRefusal struct {
	name string
	req  func() *http.Request
	cond *errcode.Condition
	// later moves the clock forward while the call is made.
	later time.Duration
}

// TestTenantRefusalsInEveryDialect renders, over real HTTP, the refusals
// a tenant meets (another tenant's ids, the operator's operations, the
// console login, purchases, If-Match, parents that differ), in each
// dialect set as the account's own; the golden files hold the bodies.
// Each answer must be its condition's entry in the dialect, with the
// condition's status: among them the Zenith console codes (1007, 1104,
// 1105, 2101, 2103, 2104, 2401, 2402) and Tencent's resource codes (5000,
// 5100, 5200, 5300, 5500).
func TestTenantRefusalsInEveryDialect(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	srv := httptest.NewServer(hs.h)
	defer srv.Close()

	// A's market: a verified account with a second group, a plan of each
	// group, a package it cannot pay for, and a withdrawn plan.
	acct := "/v1/accounts/" + a.pin
	hs.must("PATCH", acct, `{"realNameVerified":true}`, 200)
	second := hs.must("POST", "/v1/groups", `{"name":"second","owner":"tenant-a"}`, 201).str("groupId")
	secondAPI := hs.must("POST", "/v1/groups/"+second+"/apis", `{"name":"other","method":"GET","path":"/other"}`, 201).str("apiId")
	hs.must("POST", "/v1/groups/"+second+"/revisions", `{"revision":"3.0.0"}`, 201)
	plans := "/v1/groups/" + a.group + "/plans"
	free := hs.must("POST", plans, `{"name":"free"}`, 201).str("planId")
	pricey := hs.must("POST", plans, `{"name":"pricey","pricePerCall":100,"totalCalls":10}`, 201).str("planId")
	gone := hs.must("POST", plans, `{"name":"gone"}`, 201).str("planId")
	hs.must("PATCH", plans+"/"+gone, `{"withdrawn":true}`, 200)
	secondPlan := hs.must("POST", "/v1/groups/"+second+"/plans", `{"name":"other"}`, 201).str("planId")
	unverified := hs.tenant("tenant-c")
	// A session of A's user, and one disabled, both in their last half
	// hour when the test refreshes them.
	session := keyOf(t, login(hs, a.pin, a.user, "correct horse"))
	disabledSession := keyOf(t, login(hs, a.pin, a.user, "correct horse"))
	hs.must("PATCH", acct+"/keys/"+disabledSession.ak, `{"enabled":false}`, 200)

	sign := func(k creds, method, path, body string) func() *http.Request {
		return func() *http.Request {
			hs.clock.Advance(time.Second)
			return hs.signedRequest(model.SchemeAWS4, k, method, path, body, nil)
		}
	}
	plain := func(method, path, body string, header ...string) func() *http.Request {
		return func() *http.Request {
			r := hs.request(method, "http://admin.test"+path, body)
			for i := 0; i+1 < len(header); i += 2 {
				r.Header.Set(header[i], header[i+1])
			}
			return r
		}
	}
	withHeader := func(mk func() *http.Request, k, v string) func() *http.Request {
		return func() *http.Request {
			r := mk()
			r.Header.Set(k, v)
			return r
		}
	}
	tests := []tenantRefusal{
		{"another tenant's group", sign(a.key, "GET", "/v1/groups/"+b.group, ""), errcode.Hidden, 0},
		{"a group that does not exist", sign(a.key, "GET", "/v1/groups/g-nosuchgrp0", ""), errcode.Hidden, 0},
		{"another tenant's account", sign(a.key, "GET", "/v1/accounts/"+b.pin, ""), errcode.Hidden, 0},
		{"an operator's operation", sign(a.key, "GET", "/v1/accounts", ""), errcode.Forbidden, 0},
		{"a key of another account in its own pin", sign(a.key, "GET", acct+"/keys/"+b.otherKey, ""), errcode.ResourceNotFound, 0},
		{"the user manages users", sign(a.userKey, "GET", acct+"/users", ""), errcode.ChildAccountNotAllowed, 0},
		{"no credential", plain("GET", acct, ""), errcode.Unauthenticated, 0},
		{"login failed", plain("POST", "/v1/login", `{"pin":"tenant-a","user":"tenant-a-dev","password":"wrong"}`), errcode.LoginFailed, 0},
		{"refresh outside the window", plain("POST", "/v1/login/refresh", fmt.Sprintf(`{"accessKey":%q,"secretKey":%q}`, session.ak, session.sk)), errcode.KeyRefreshOutsideWindow, 0},
		{"refresh a disabled session", plain("POST", "/v1/login/refresh", fmt.Sprintf(`{"accessKey":%q,"secretKey":%q}`, disabledSession.ak, disabledSession.sk)),
			errcode.KeyIDDisabled, SessionLife - RefreshWindow/2},
		{"a user name taken", sign(a.key, "POST", acct+"/users", `{"name":"tenant-a-dev"}`), errcode.UserNameTaken, 0},
		{"an email taken", sign(a.key, "POST", acct+"/users", `{"name":"newcomer","email":"tenant-a-dev@example.com"}`), errcode.UserEmailTaken, 0},
		{"authorize an unknown pin", sign(a.key, "POST", "/v1/groups/"+a.group+"/authorizations", `{"environment":"online","pin":"nobody"}`), errcode.PinInvalid, 0},
		{"authorize an unknown key", sign(a.key, "POST", "/v1/groups/"+a.group+"/authorizations", `{"environment":"online","accessKey":"TGNOSUCHKEY0000"}`), errcode.KeyIDNotFound, 0},
		{"authorize another group's API", sign(a.key, "POST", "/v1/groups/"+a.group+"/authorizations", fmt.Sprintf(`{"environment":"online","pin":"tenant-b","apis":[%q]}`, secondAPI)), errcode.ParentMismatch, 0},
		{"authorize another tenant's API", sign(a.key, "POST", "/v1/groups/"+a.group+"/authorizations", fmt.Sprintf(`{"environment":"online","pin":"tenant-b","apis":[%q]}`, b.api)), errcode.RecordNotFound, 0},
		{"a daily limit above the total", sign(a.key, "POST", "/v1/groups/"+a.group+"/authorizations", `{"environment":"online","pin":"tenant-b","dailyLimit":11,"totalCalls":10}`), errcode.ArgumentsInconsistent, 0},
		{"deploy another group's revision", sign(a.key, "POST", "/v1/groups/"+a.group+"/deployments", fmt.Sprintf(`{"revision":"3.0.0","environment":"online","groupId":%q}`, second)), errcode.ParentMismatch, 0},
		{"deploy another tenant's revision", sign(a.key, "POST", "/v1/groups/"+a.group+"/deployments", fmt.Sprintf(`{"revision":"1.0.0","environment":"online","groupId":%q}`, b.group)), errcode.ResourceNotFound, 0},
		{"buy another group's plan for a group", sign(a.key, "POST", "/v1/subscriptions", fmt.Sprintf(`{"planId":%q,"groupId":%q}`, secondPlan, a.group)), errcode.ParentMismatch, 0},
		{"buy without the money", sign(a.key, "POST", "/v1/subscriptions", fmt.Sprintf(`{"planId":%q}`, pricey)), errcode.PurchaseNoBalance, 0},
		{"buy a withdrawn plan", sign(a.key, "POST", "/v1/subscriptions", fmt.Sprintf(`{"planId":%q}`, gone)), errcode.PurchaseFailed, 0},
		{"buy unverified", sign(unverified.key, "POST", "/v1/subscriptions", fmt.Sprintf(`{"planId":%q}`, free)), errcode.PurchaseIdentityUnverified, 0},
		{"a stale If-Match", withHeader(sign(a.key, "PATCH", "/v1/groups/"+a.group, `{"description":"mine"}`), "If-Match", `"0000"`), errcode.ConcurrentChange, 0},
		{"a name taken", sign(a.key, "POST", "/v1/groups", `{"name":"tenant-a-shop"}`), errcode.GroupNameRepeat, 0},
		{"a policy's limits", sign(a.key, "POST", "/v1/policies", `{"name":"p","unit":"second","apiLimit":1,"userLimit":2,"keyLimit":1}`), errcode.ArgumentsInconsistent, 0},
	}
	for _, d := range errcode.Dialects {
		for _, who := range []*tenant{a, unverified} {
			hs.must("PATCH", "/v1/accounts/"+who.pin, fmt.Sprintf(`{"dialect":%q}`, d), 200)
		}
		var out bytes.Buffer
		for _, tt := range tests {
			req := tt.req()
			req.Header.Set("X-Request-Id", "refusal")
			if tt.cond == errcode.Unauthenticated || tt.cond == errcode.LoginFailed || tt.cond == errcode.KeyRefreshOutsideWindow || tt.cond == errcode.KeyIDDisabled {
				// No account answers these: the call asks.
				req.URL.RawQuery = "dialect=" + string(d)
			}
			before := hs.state()
			hs.clock.Advance(tt.later)
			status, _, body := overHTTP(t, srv, req)
			hs.clock.Advance(-tt.later)
			var m map[string]any
			_ = json.Unmarshal([]byte(body), &m)
			res := response{status: status, raw: body, body: m}
			if want := tt.cond.Entry(d).Code; status != tt.cond.HTTP() || res.code(d) != want {
				t.Errorf("%s (%s): got %d %s, want %d %s", tt.name, d, status, body, tt.cond.HTTP(), want)
			}
			if hs.state() != before {
				t.Errorf("%s (%s): the refusal changed the store", tt.name, d)
			}
			fmt.Fprintf(&out, "%s: %d %s", tt.name, status, instant.ReplaceAllString(body, "{time}"))
		}
		ids := map[string]string{a.group: "{a.group}", b.group: "{b.group}", second: "{second}", secondAPI: "{secondAPI}", b.api: "{b.api}",
			free: "{free}", pricey: "{pricey}", gone: "{gone}", secondPlan: "{secondPlan}", b.otherKey: "{b.otherKey}",
			session.ak: "{session}", disabledSession.ak: "{disabledSession}"}
		golden(t, filepath.Join("testdata", "dialects", "tenant."+string(d)+".golden"), []byte(sortedIDs(ids).Replace(out.String())))
	}
}

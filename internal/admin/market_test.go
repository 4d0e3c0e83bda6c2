package admin

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestRecharge: amounts that are not an integer from 1 to model.MaxMoney,
// or that would take the credit above it, are refused and store nothing;
// a recharge answers the credit and the balance after it.
func TestRecharge(t *testing.T) {
	hs := newHarness(t)
	hs.must("POST", "/v1/accounts", `{"pin":"acme"}`, 201)
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"zero", `{"amount":0}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"negative", `{"amount":-5}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"above MaxMoney", `{"amount":9007199254740993}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"beyond int64", `{"amount":100000000000000000000}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"a fraction", `{"amount":1.5}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"an exponent", `{"amount":1e3}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"a string", `{"amount":"10"}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"missing", `{}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND"},
		{"null", `{"amount":null}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND"},
		{"another field", `{"amount":5,"currency":"CNY"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hs.do("POST", "/v1/accounts/acme/recharge", tt.body)
			if res.status != tt.status || res.errStatus() != tt.code {
				t.Errorf("got %d %s, want %d %s", res.status, res.raw, tt.status, tt.code)
			}
			if tt.code != "APIGATEWAY_ARGUMENT_NOT_SUPPORT" && !strings.Contains(res.errMessage(), "amount") {
				t.Errorf("the message does not name amount: %s", res.raw)
			}
		})
	}
	if rs, _ := hs.store.ListRecharges(context.Background(), "acme"); len(rs) != 0 {
		t.Fatalf("refused recharges stored %v", rs)
	}
	if res := hs.do("POST", "/v1/accounts/nobody/recharge", `{"amount":5}`); res.status != 400 || res.errStatus() != "APIGATEWAY_NONE_VALID_PIN" {
		t.Errorf("recharge of no account: %d %s", res.status, res.raw)
	}

	changes := hs.changes.Load()
	res := hs.must("POST", "/v1/accounts/acme/recharge", `{"amount":100}`, 201)
	if res.body["credit"] != 100.0 || res.body["balance"] != 100.0 || !strings.Contains(res.raw, `"amount":100`) {
		t.Errorf("first recharge: %s", res.raw)
	}
	res = hs.must("POST", "/v1/accounts/acme/recharge", `{"amount":9007199254740892}`, 201)
	if res.body["credit"] != 9007199254740992.0 {
		t.Errorf("recharge to MaxMoney: %s", res.raw)
	}
	if hs.changes.Load() != changes+2 {
		t.Errorf("recharges: %d reloads, want 2", hs.changes.Load()-changes)
	}
	// The credit may not pass MaxMoney either.
	if res := hs.do("POST", "/v1/accounts/acme/recharge", `{"amount":1}`); res.status != 400 || res.errStatus() != "APIGW_PARAM_VALUE_INVALID" {
		t.Errorf("recharge above MaxMoney in all: %d %s", res.status, res.raw)
	}
	if rs, _ := hs.store.ListRecharges(context.Background(), "acme"); len(rs) != 2 {
		t.Errorf("recharges stored: got %d, want 2", len(rs))
	}
}

// TestPlans: the plan operations' refusals, who sees withdrawn plans, and
// that terms bought never change.
func TestPlans(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	plans := "/v1/groups/" + a.group + "/plans"
	sign := func(k creds, method, path, body string) response {
		hs.clock.Advance(1e9)
		return hs.as(k, method, path, body)
	}
	res := sign(a.key, "POST", plans, `{"name":"basic","pricePerCall":5,"totalCalls":100,"dailyLimit":10,"qps":2}`)
	if res.status != 201 || res.body["pricePerCall"] != 5.0 || res.body["groupId"] != a.group {
		t.Fatalf("A sells a plan: %d %s", res.status, res.raw)
	}
	basic := res.str("planId")
	old := hs.must("POST", plans, `{"name":"old"}`, 201).str("planId")
	hs.must("PATCH", plans+"/"+old, `{"withdrawn":true}`, 200)

	tests := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"a duplicate name", "POST", plans, `{"name":"basic"}`, 403, "APIGW_RECORD_CONFLICT", "name"},
		{"no name", "POST", plans, `{"pricePerCall":1}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "name"},
		{"a negative price", "POST", plans, `{"name":"neg","pricePerCall":-1}`, 400, "APIGW_PARAM_VALUE_INVALID", "pricePerCall"},
		{"a fractional price", "POST", plans, `{"name":"frac","pricePerCall":0.5}`, 400, "APIGW_PARAM_VALUE_INVALID", "pricePerCall"},
		{"a package above MaxMoney", "POST", plans, `{"name":"huge","pricePerCall":9007199254740992,"totalCalls":2}`, 409, "FAILED_PRECONDITION", "pricePerCall"},
		{"a daily limit above the package", "POST", plans, `{"name":"daily","dailyLimit":11,"totalCalls":10}`, 409, "FAILED_PRECONDITION", "dailyLimit"},
		{"negative qps", "POST", plans, `{"name":"q","qps":-1}`, 400, "APIGW_PARAM_VALUE_INVALID", "qps"},
		{"withdrawn on creation", "POST", plans, `{"name":"w","withdrawn":true}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "withdrawn"},
		{"a new price", "PATCH", plans + "/" + basic, `{"pricePerCall":1}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "pricePerCall"},
		{"a plan of another group", "PATCH", "/v1/groups/" + b.group + "/plans/" + basic, `{"name":"x"}`, 404, "APIGATEWAY_NOT_FOUND", basic},
		{"no plan", "GET", plans + "/plan-nosuchplan", "", 404, "APIGATEWAY_NOT_FOUND", "plan-nosuchplan"},
		{"plans of no group", "GET", "/v1/groups/g-nosuchgroup/plans", "", 404, "APIGATEWAY_NOT_FOUND", "g-nosuchgroup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hs.do(tt.method, tt.path, tt.body)
			if res.status != tt.status || tt.code != "" && res.errStatus() != tt.code || !strings.Contains(res.errMessage(), tt.field) {
				t.Errorf("got %d %s, want %d %s naming %q", res.status, res.raw, tt.status, tt.code, tt.field)
			}
		})
	}

	// The market is public, but withdrawn plans are the owner's to see.
	res = sign(b.key, "GET", plans, "")
	if res.status != 200 || res.body["totalCount"] != 1.0 || !strings.Contains(res.raw, basic) || strings.Contains(res.raw, old) {
		t.Errorf("B reads A's plans: %d %s", res.status, res.raw)
	}
	if res := sign(b.key, "GET", plans+"/"+old, ""); res.status != 404 {
		t.Errorf("B reads A's withdrawn plan: %d %s", res.status, res.raw)
	}
	if res := sign(a.key, "GET", plans, ""); res.body["totalCount"] != 2.0 {
		t.Errorf("A reads its plans: %s", res.raw)
	}
	if res := sign(a.key, "GET", plans+"/"+old, ""); res.status != 200 {
		t.Errorf("A reads its withdrawn plan: %d %s", res.status, res.raw)
	}
	// A user browses the market whatever groups its role covers.
	hs.must("POST", "/v1/accounts/tenant-b/roles", fmt.Sprintf(`{"name":"shopper","groups":[%q],"actions":["plans.read"]}`, b.group), 201)
	hs.must("POST", "/v1/accounts/tenant-b/users", `{"name":"sam","role":"shopper"}`, 201)
	sam := keyOf(t, hs.must("POST", "/v1/accounts/tenant-b/keys", `{"user":"sam"}`, 201))
	if res := sign(sam, "GET", plans, ""); res.status != 200 || !strings.Contains(res.raw, basic) {
		t.Errorf("B's user reads A's plans: %d %s", res.status, res.raw)
	}
	if res := sign(sam, "POST", "/v1/groups/"+b.group+"/plans", `{"name":"x"}`); res.status != 403 || res.errStatus() != "APIGW_OPERATION_NOT_ALLOWED" {
		t.Errorf("B's user without plans.create sells: %d %s", res.status, res.raw)
	}
	// A rename keeps the terms.
	res = sign(a.key, "PATCH", plans+"/"+basic, `{"name":"starter"}`)
	if res.status != 200 || res.str("name") != "starter" || res.body["pricePerCall"] != 5.0 || res.body["totalCalls"] != 100.0 {
		t.Errorf("rename: %d %s", res.status, res.raw)
	}
}

// TestSuspendAndQuotas: a group's status and an authorization's quotas go
// through the group and authorization operations, checked by the store,
// and reload the data plane.
func TestSuspendAndQuotas(t *testing.T) {
	hs := newHarness(t)
	f := hs.fixture()
	g := "/v1/groups/" + f.group
	changes := hs.changes.Load()
	if res := hs.must("PATCH", g, `{"status":"suspended"}`, 200); res.str("status") != "suspended" {
		t.Errorf("suspend: %s", res.raw)
	}
	if hs.changes.Load() != changes+1 {
		t.Errorf("suspending did not reload")
	}
	if res := hs.must("GET", g, "", 200); res.str("status") != "suspended" {
		t.Errorf("a suspended group reads %s", res.raw)
	}
	if res := hs.do("PATCH", g, `{"status":"paused"}`); res.status != 400 || res.errStatus() != "APIGW_PARAM_VALUE_INVALID" || !strings.Contains(res.errMessage(), "status") {
		t.Errorf("an unknown status: %d %s", res.status, res.raw)
	}
	if res := hs.must("PATCH", g, `{"status":"active"}`, 200); res.str("status") != "active" {
		t.Errorf("resume: %s", res.raw)
	}

	hs.must("POST", "/v1/accounts", `{"pin":"caller"}`, 201)
	res := hs.must("POST", g+"/authorizations", `{"environment":"test","pin":"caller","dailyLimit":5,"totalCalls":100}`, 201)
	if res.body["dailyLimit"] != 5.0 || res.body["totalCalls"] != 100.0 {
		t.Errorf("an authorization with quotas: %s", res.raw)
	}
	for _, body := range []string{
		`{"environment":"online","pin":"caller","dailyLimit":-1}`,
		`{"environment":"online","pin":"caller","totalCalls":4294967296}`,
		`{"environment":"online","pin":"caller","dailyLimit":1.5}`,
	} {
		if res := hs.do("POST", g+"/authorizations", body); res.status != 400 || res.errStatus() != "APIGW_PARAM_VALUE_INVALID" {
			t.Errorf("%s: %d %s", body, res.status, res.raw)
		}
	}
}

package admin

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRoles: a user's key obeys its role: actions (OperationNotAllowed),
// groups and APIs (RoleNotAllowed), and never manages its account's
// users, roles, MFA or other keys (ChildAccountNotAllowed).
func TestRoles(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	acct := "/v1/accounts/acme"
	g1 := a.group
	g2 := hs.newGroup(a)
	api2 := hs.newAPI(a)
	hs.must("POST", acct+"/roles", fmt.Sprintf(`{"name":"reader","groups":[%q],"apis":[%q],"actions":["groups.read","apis.read","keys.*"]}`, g1, a.api), 201)
	hs.must("POST", acct+"/users", `{"name":"rita","role":"reader"}`, 201)
	rita := keyOf(t, hs.must("POST", acct+"/keys", `{"user":"rita"}`, 201))
	hs.must("POST", acct+"/roles", fmt.Sprintf(`{"name":"maker","groups":[%q],"actions":["groups.*"]}`, g1), 201)
	hs.must("POST", acct+"/users", `{"name":"mark","role":"maker"}`, 201)
	mark := keyOf(t, hs.must("POST", acct+"/keys", `{"user":"mark"}`, 201))
	hs.must("POST", acct+"/users", `{"name":"nora"}`, 201) // no role: no rights
	nora := keyOf(t, hs.must("POST", acct+"/keys", `{"user":"nora"}`, 201))

	tests := []struct {
		name         string
		k            creds
		method, path string
		body         string
		status       int
		code         string
	}{
		{"read a group of the role", rita, "GET", "/v1/groups/" + g1, "", 200, ""},
		{"read a group outside the role", rita, "GET", "/v1/groups/" + g2, "", 403, "APIGW_ROLE_NOT_ALLOWED"},
		{"change a group of the role", rita, "PATCH", "/v1/groups/" + g1, `{"description":"x"}`, 403, "APIGW_OPERATION_NOT_ALLOWED"},
		{"create a group, the role not covering all", rita, "POST", "/v1/groups", `{"name":"mine"}`, 403, "APIGW_OPERATION_NOT_ALLOWED"},
		{"create a group, the role covering some groups", mark, "POST", "/v1/groups", `{"name":"mine"}`, 403, "APIGW_ROLE_NOT_ALLOWED"},
		{"change a group of the role, with the action", mark, "PATCH", "/v1/groups/" + g1, `{"description":"x"}`, 200, ""},
		{"read an API of the role", rita, "GET", "/v1/groups/" + g1 + "/apis/" + a.api, "", 200, ""},
		{"read an API outside the role", rita, "GET", "/v1/groups/" + g1 + "/apis/" + api2, "", 403, "APIGW_ROLE_NOT_ALLOWED"},
		{"make a key of its own", rita, "POST", acct + "/keys", `{}`, 201, ""},
		{"make a key for the account", rita, "POST", acct + "/keys", `{"user":""}`, 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"make a key for another user", rita, "POST", acct + "/keys", `{"user":"nora"}`, 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"read the account's key", rita, "GET", acct + "/keys/" + a.key.ak, "", 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"disable another user's key", rita, "PATCH", acct + "/keys/" + nora.ak, `{"enabled":false}`, 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"delete the account's key", rita, "DELETE", acct + "/keys/" + a.key.ak, "", 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"manage users", rita, "POST", acct + "/users", `{"name":"eve"}`, 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"manage roles", rita, "PUT", acct + "/roles/reader", `{"actions":["*"]}`, 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"turn MFA off", rita, "DELETE", acct + "/mfa", "", 403, "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"},
		{"no role: read", nora, "GET", "/v1/groups/" + g1, "", 403, "APIGW_OPERATION_NOT_ALLOWED"},
		{"no role: its own keys", nora, "GET", acct + "/keys", "", 403, "APIGW_OPERATION_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		hs.clock.Advance(time.Second)
		res := hs.as(tt.k, tt.method, tt.path, tt.body)
		if res.status != tt.status || tt.code != "" && res.errStatus() != tt.code {
			t.Errorf("%s: %s %s: got %d %s, want %d %s", tt.name, tt.method, tt.path, res.status, res.raw, tt.status, tt.code)
		}
	}

	// Lists show what the role covers: its groups, its own keys.
	hs.clock.Advance(time.Second)
	res := hs.mustAs(rita, "GET", "/v1/groups", "", 200)
	if res.body["totalCount"] != 1.0 || !strings.Contains(res.raw, g1) || strings.Contains(res.raw, g2) {
		t.Errorf("a user's group list: got %s", res.raw)
	}
	hs.clock.Advance(time.Second)
	res = hs.mustAs(rita, "GET", acct+"/keys?pageSize=1", "", 200)
	if res.body["totalCount"] != 2.0 || strings.Contains(res.raw, a.key.ak) || len(res.body["keys"].([]any)) != 1 {
		t.Errorf("a user's key list: got %s", res.raw)
	}

	// A role that does not exist cannot be given.
	res = hs.do("POST", acct+"/users", `{"name":"olga","role":"nosuch"}`)
	if res.status != 403 || res.errStatus() != "APIGW_ROLE_NOT_EXITST" {
		t.Errorf("a user with an unknown role: got %d %s", res.status, res.raw)
	}
	// A role held by a user cannot be deleted.
	res = hs.do("DELETE", acct+"/roles/reader", ``)
	if res.status != 400 || res.errStatus() != "APIGATEWAY_DELETE_ERROR" {
		t.Errorf("delete a role in use: got %d %s", res.status, res.raw)
	}
}

package admin

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Policies of the tenant matrix: one standing policy per tenant, made by
// the operator for the tenant, and throwaway ones for the calls that
// delete.
var matrixPolicies sync.Map // "harness pointer/pin" → policy id

func (hs *harness) policyOf(t *tenant) string {
	k := fmt.Sprintf("%p/%s", hs, t.pin)
	// The harness's store must still have it: a later harness (-count=2)
	// may have the address of one gone.
	if id, ok := matrixPolicies.Load(k); ok && hs.do("GET", "/v1/policies/"+id.(string), "").status == 200 {
		return id.(string)
	}
	id := hs.newPolicy(t)
	matrixPolicies.Store(k, id)
	return id
}

func (hs *harness) newPolicy(t *tenant) string {
	return hs.must("POST", "/v1/policies", fmt.Sprintf(`{"name":%q,"unit":"minute","apiLimit":100,"userLimit":10,"keyLimit":10,"owner":%q}`,
		t.next("-pol"), t.pin), 201).str("policyId")
}

// newBinding binds a throwaway policy of t to t's group in preview and
// returns the binding's path.
func (hs *harness) newBinding(t *tenant) string {
	p := hs.newPolicy(t)
	hs.must("POST", "/v1/policies/"+p+"/bindings", fmt.Sprintf(`{"groupId":%q,"environment":"preview"}`, t.group), 201)
	return "/v1/policies/" + p + "/bindings/" + t.group + "/preview"
}

func policyMatrixCases() []matrixCase {
	pol := func(suffix string) func(*harness, *tenant, actor) string {
		return func(hs *harness, t *tenant, _ actor) string { return "/v1/policies/" + hs.policyOf(t) + suffix }
	}
	return []matrixCase{
		{method: "POST", pattern: "/v1/policies", path: func(*harness, *tenant, actor) string { return "/v1/policies" },
			body: func(_ *harness, t *tenant, a actor, cross bool) string {
				if cross || a == actOperator {
					// Another tenant may not make a policy of t's; the
					// operator may.
					return fmt.Sprintf(`{"name":%q,"unit":"second","apiLimit":5,"userLimit":5,"keyLimit":5,"owner":%q}`, t.next("-np"), t.pin)
				}
				return fmt.Sprintf(`{"name":%q,"unit":"second","apiLimit":5,"userLimit":5,"keyLimit":5}`, t.next("-np"))
			}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/policies", path: func(*harness, *tenant, actor) string { return "/v1/policies" },
			account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/policies/{policyId}", path: pol(""), account: 200, user: 200, operator: 200},
		{method: "PATCH", pattern: "/v1/policies/{policyId}", path: pol(""),
			body: func(*harness, *tenant, actor, bool) string { return `{"keyLimit":5}` }, account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/policies/{policyId}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/policies/" + hs.newPolicy(t)
		}, account: 204, user: 204, operator: 204},
		{method: "POST", pattern: "/v1/policies/{policyId}/bindings", path: pol("/bindings"),
			body: func(_ *harness, t *tenant, _ actor, _ bool) string {
				return fmt.Sprintf(`{"groupId":%q,"environment":"online"}`, t.group)
			}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/policies/{policyId}/bindings", path: pol("/bindings"), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/policies/{policyId}/bindings/{groupId}/{environment}", path: func(hs *harness, t *tenant, _ actor) string {
			return hs.newBinding(t)
		}, account: 204, user: 204, operator: 204},
	}
}

// TestPolicyRefusals: the refusals of the policy operations, with their
// exact codes.
func TestPolicyRefusals(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	sign := func(k creds, method, path, body string) response {
		hs.clock.Advance(1e9)
		return hs.signed("JDCLOUD2-HMAC-SHA256", k, method, path, body)
	}
	want := func(what string, res response, status int, code string) {
		t.Helper()
		if res.status != status || res.errStatus() != code {
			t.Errorf("%s: got %d %s, want %d %s", what, res.status, res.raw, status, code)
		}
	}
	body := func(name string, api, user, key int) string {
		return fmt.Sprintf(`{"name":%q,"unit":"minute","apiLimit":%d,"userLimit":%d,"keyLimit":%d}`, name, api, user, key)
	}
	p := hs.must("POST", "/v1/policies", body("gold", 100, 10, 5), 201).str("policyId")

	want("duplicate name", hs.do("POST", "/v1/policies", body("gold", 100, 10, 5)), 409, "APIGATEWAY_POLICYNAME_ISREPEAT")
	res := hs.do("POST", "/v1/policies", body("silver", 10, 11, 5))
	want("user limit above the api limit", res, 409, "FAILED_PRECONDITION")
	if !strings.Contains(res.raw, "userLimit") {
		t.Errorf("user limit above the api limit: %s does not name userLimit", res.raw)
	}
	res = hs.do("PATCH", "/v1/policies/"+p, `{"keyLimit":101}`)
	want("key limit above the api limit", res, 409, "FAILED_PRECONDITION")
	if !strings.Contains(res.raw, "keyLimit") {
		t.Errorf("key limit above the api limit: %s does not name keyLimit", res.raw)
	}
	want("unknown unit", hs.do("POST", "/v1/policies", `{"name":"x","unit":"week","apiLimit":1,"userLimit":1,"keyLimit":1}`), 400, "APIGW_PARAM_VALUE_INVALID")

	hs.must("POST", "/v1/policies/"+p+"/bindings", fmt.Sprintf(`{"groupId":%q,"environment":"online"}`, a.group), 201)
	want("delete while bound", hs.do("DELETE", "/v1/policies/"+p, ""), 400, "APIGATEWAY_DELETE_ERROR")
	hs.must("DELETE", "/v1/policies/"+p+"/bindings/"+a.group+"/online", "", 204)
	want("unbind twice", hs.do("DELETE", "/v1/policies/"+p+"/bindings/"+a.group+"/online", ""), 404, "APIGATEWAY_NOT_FOUND")

	// Too many bindings: a policy is bound to at most 50 group
	// environments.
	busy := hs.must("POST", "/v1/policies", body("busy", 100, 10, 5), 201).str("policyId")
	n := 0
	for i := 0; n < 50; i++ {
		g := hs.must("POST", "/v1/groups", fmt.Sprintf(`{"name":"many-%d"}`, i), 201).str("groupId")
		for _, env := range []string{"test", "preview", "online"} {
			if n < 50 {
				hs.must("POST", "/v1/policies/"+busy+"/bindings", fmt.Sprintf(`{"groupId":%q,"environment":%q}`, g, env), 201)
				n++
			}
		}
	}
	g := hs.must("POST", "/v1/groups", `{"name":"one-too-many"}`, 201).str("groupId")
	want("too many bindings", hs.do("POST", "/v1/policies/"+busy+"/bindings", fmt.Sprintf(`{"groupId":%q,"environment":"online"}`, g)),
		400, "APIGATEWAY_BIND_GROUP_TOO_MUCH")

	// Tenants: A's own policy may not be bound to B's group, nor to a
	// group that does not exist; A may not see the operator's policy.
	mine := sign(a.key, "POST", "/v1/policies", body("a-own", 10, 10, 10))
	if mine.status != 201 {
		t.Fatalf("A creates a policy: %d %s", mine.status, mine.raw)
	}
	ap := mine.str("policyId")
	want("A binds to B's group", sign(a.key, "POST", "/v1/policies/"+ap+"/bindings", fmt.Sprintf(`{"groupId":%q,"environment":"online"}`, b.group)),
		403, "APIGATEWAY_HTTP_FORBIDDEN")
	want("A binds to no group", sign(a.key, "POST", "/v1/policies/"+ap+"/bindings", `{"groupId":"g-nosuchgroup","environment":"online"}`),
		403, "APIGATEWAY_HTTP_FORBIDDEN")
	want("A reads the operator's policy", sign(a.key, "GET", "/v1/policies/"+busy, ""), 403, "APIGATEWAY_HTTP_FORBIDDEN")
	want("A sets an owner", sign(a.key, "POST", "/v1/policies", `{"name":"x","unit":"minute","apiLimit":1,"userLimit":1,"keyLimit":1,"owner":"tenant-b"}`),
		403, "APIGATEWAY_HTTP_FORBIDDEN")
	if res := sign(a.key, "POST", "/v1/policies/"+ap+"/bindings", fmt.Sprintf(`{"groupId":%q,"environment":"online"}`, a.group)); res.status != 201 {
		t.Errorf("A binds its policy to its group: %d %s", res.status, res.raw)
	}
	list := sign(a.key, "GET", "/v1/policies", "")
	if list.status != 200 || !strings.Contains(list.raw, ap) || strings.Contains(list.raw, busy) {
		t.Errorf("A's list: %d %s", list.status, list.raw)
	}
}

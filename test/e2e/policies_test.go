package e2e

import (
	"strconv"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/app"
)

// TestTrafficPolicies configures a traffic policy through the admin API
// and checks that the data plane enforces it, that changes and unbinding
// apply at once, and that a group without a policy gets the default.
func TestTrafficPolicies(t *testing.T) {
	s := start(t, app.Config{DefaultAPIQPS: 2})
	g := s.publish(map[string]any{"name": "limited"},
		map[string]any{"name": "ping", "method": "GET", "path": "/ping"}, "test",
		map[string]any{"type": "mock", "status": 200, "body": `{"pong":true}`})
	// In test, where the dialect may change while deployed.
	host := g + "-test.localhost"

	pol := s.mustCall(201, "POST", "/v1/policies", map[string]any{
		"name": "hourly", "unit": "hour", "apiLimit": 3, "userLimit": 1, "keyLimit": 1})
	id := pol["policyId"].(string)
	if r := s.call("POST", "/v1/policies", map[string]any{"name": "hourly", "unit": "hour", "apiLimit": 3, "userLimit": 1, "keyLimit": 1}); r.status != 409 || r.errorStatus(t) != "APIGATEWAY_POLICYNAME_ISREPEAT" {
		t.Errorf("duplicate name: got %d %s", r.status, r.body)
	}
	if r := s.call("POST", "/v1/policies", map[string]any{"name": "bad", "unit": "hour", "apiLimit": 3, "userLimit": 4, "keyLimit": 1}); r.status != 409 || r.errorStatus(t) != "FAILED_PRECONDITION" {
		t.Errorf("user limit above the api limit: got %d %s", r.status, r.body)
	}
	s.mustCall(201, "POST", "/v1/policies/"+id+"/bindings", map[string]any{"groupId": g, "environment": "test"})
	b := s.mustCall(200, "GET", "/v1/policies/"+id+"/bindings", nil)
	if b["totalCount"].(float64) != 1 {
		t.Errorf("bindings: %v", b)
	}

	for i := range 3 {
		r := s.get(host, "/ping")
		if r.status != 200 {
			t.Fatalf("call %d: %d %s", i+1, r.status, r.body)
		}
		if r.header.Get("RateLimit-Limit") != "3" || r.header.Get("RateLimit-Remaining") != strconv.Itoa(2-i) || r.header.Get("RateLimit-Reset") == "" {
			t.Errorf("call %d: headers %v", i+1, r.header)
		}
	}
	r := s.get(host, "/ping")
	if r.status != 429 || r.errorStatus(t) != "RATE_LIMIT_EXCEEDED" || r.header.Get("Retry-After") == "" {
		t.Fatalf("call 4: got %d %s (Retry-After %q), want 429 RATE_LIMIT_EXCEEDED", r.status, r.body, r.header.Get("Retry-After"))
	}
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 3500 {
		t.Errorf("Retry-After %d for an hourly limit", ra)
	}

	// A raised limit applies at once, and the calls made still count.
	s.mustCall(200, "PATCH", "/v1/policies/"+id, map[string]any{"apiLimit": 4})
	if r := s.get(host, "/ping"); r.status != 200 || r.header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("after raising the limit: %d %s %v", r.status, r.body, r.header)
	}
	if r := s.get(host, "/ping"); r.status != 429 {
		t.Fatalf("after the raised limit: %d", r.status)
	}

	// The market dialect tells the cluster limit by its own code.
	s.mustCall(200, "PATCH", "/v1/groups/"+g, map[string]any{"dialect": "market"})
	if r := s.get(host, "/ping"); r.status != 429 || r.json(t)["code"] != "10044" {
		t.Errorf("market: got %d %s, want 429 10044", r.status, r.body)
	}

	if r := s.call("DELETE", "/v1/policies/"+id, nil); r.status != 400 || r.errorStatus(t) != "APIGATEWAY_DELETE_ERROR" {
		t.Errorf("delete while bound: got %d %s", r.status, r.body)
	}
	s.mustCall(204, "DELETE", "/v1/policies/"+id+"/bindings/"+g+"/test", nil)
	s.mustCall(204, "DELETE", "/v1/policies/"+id, nil)

	// Unbound, the group has the default: 2 calls a second per API.
	refused := false
	for range 10 {
		r := s.get(host, "/ping")
		if r.status == 429 {
			refused = r.header.Get("RateLimit-Limit") == "2"
			break
		}
		if r.status != 200 || r.header.Get("RateLimit-Limit") != "2" {
			t.Fatalf("default limit: %d %s %v", r.status, r.body, r.header)
		}
	}
	if !refused {
		t.Errorf("10 calls in a row never met the default limit of 2 a second")
	}
}

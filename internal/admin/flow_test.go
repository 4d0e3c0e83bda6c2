package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestLifecycle walks every endpoint's success path in the order an
// operator would, checking bodies, statuses and the reloads writes wait for.
func TestLifecycle(t *testing.T) {
	hs := newHarness(t)
	steps := 0
	change := func(what string, want bool) {
		t.Helper()
		if want {
			steps++
		}
		if got := hs.changes.Load(); got != int64(steps) {
			t.Fatalf("after %s: %d reloads, want %d", what, got, steps)
		}
	}

	res := hs.must("POST", "/v1/groups", `{"name":"订单","description":"orders"}`, 201)
	gid := res.str("groupId")
	if !strings.HasPrefix(gid, "g-") || res.str("dialect") != "jdcloud" || res.str("language") != "en" || res.str("name") != "订单" {
		t.Fatalf("POST /v1/groups: got %s", res.raw)
	}
	if loc := res.header.Get("Location"); loc != "/v1/groups/"+gid {
		t.Errorf("Location: got %q", loc)
	}
	change("create group", true)
	g := "/v1/groups/" + gid

	if res := hs.must("GET", g, ``, 200); res.str("description") != "orders" {
		t.Errorf("GET group: got %s", res.raw)
	}
	change("get group", false)

	// PATCH changes only what it names.
	res = hs.must("PATCH", g, `{"language":"zh"}`, 200)
	if res.str("language") != "zh" || res.str("name") != "订单" || res.str("description") != "orders" || res.str("dialect") != "jdcloud" {
		t.Errorf("PATCH language: got %s", res.raw)
	}
	change("patch group", true)
	res = hs.must("PATCH", g, `{"description":"","dialect":"tencent"}`, 200)
	if res.str("language") != "zh" || res.str("description") != "" || res.str("dialect") != "tencent" {
		t.Errorf("PATCH description and dialect: got %s", res.raw)
	}
	change("patch group", true)

	res = hs.must("POST", g+"/apis", `{"name":"getOrder","method":"get","path":"/orders/{id}",
		"params":[{"name":"id","in":"path","type":"integer"},{"name":"verbose","in":"query","type":"boolean","default":false}],
		"backendPath":"/api/orders/{id}"}`, 201)
	aid := res.str("apiId")
	params, _ := res.body["params"].([]any)
	if res.str("method") != "GET" || res.str("backendMethod") != "GET" || res.str("matchType") != "absolute" || res.str("backendPath") != "/api/orders/{id}" || len(params) != 2 {
		t.Errorf("POST api: got %s", res.raw)
	}
	if p, _ := params[1].(map[string]any); p["default"] != "false" {
		t.Errorf("POST api: a boolean default came back as %v, want \"false\"", p["default"])
	}
	change("create api", true)
	a := g + "/apis/" + aid
	if res := hs.must("GET", a, ``, 200); res.str("name") != "getOrder" {
		t.Errorf("GET api: got %s", res.raw)
	}
	res = hs.must("PATCH", a, `{"description":"reads one order","matchType":"prefix"}`, 200)
	if res.str("description") != "reads one order" || res.str("matchType") != "prefix" || res.str("path") != "/orders/{id}" || len(res.body["params"].([]any)) != 2 {
		t.Errorf("PATCH api: got %s", res.raw)
	}
	change("patch api", true)
	res = hs.must("GET", g+"/apis", ``, 200)
	if res.body["totalCount"] != 1.0 || len(res.body["apis"].([]any)) != 1 {
		t.Errorf("GET apis: got %s", res.raw)
	}

	res = hs.must("PUT", g+"/backends/online", `{"type":"http","urls":["http://127.0.0.1:8081"],"headers":{"X-From":"tollgate"}}`, 200)
	if res.body["timeoutMs"] != 10000.0 || res.str("environment") != "online" {
		t.Errorf("PUT backend: got %s", res.raw)
	}
	change("put backend", true)
	res = hs.must("PUT", g+"/backends/online", `{"type":"mock","status":201,"body":"{}"}`, 200)
	if res.body["status"] != 201.0 || res.body["urls"] != nil {
		t.Errorf("PUT backend replacing: got %s", res.raw)
	}
	change("replace backend", true)
	if res := hs.must("GET", g+"/backends/online", ``, 200); res.str("type") != "mock" {
		t.Errorf("GET backend: got %s", res.raw)
	}

	res = hs.must("POST", g+"/revisions", `{"revision":"1.0.0","description":"first"}`, 201)
	if apis, _ := res.body["apis"].([]any); len(apis) != 1 || res.str("revision") != "1.0.0" {
		t.Errorf("POST revision: got %s", res.raw)
	}
	change("create revision", true)
	if res := hs.must("GET", g+"/revisions/1.0.0", ``, 200); res.str("description") != "first" {
		t.Errorf("GET revision: got %s", res.raw)
	}
	if res := hs.must("GET", g+"/revisions", ``, 200); res.body["totalCount"] != 1.0 {
		t.Errorf("GET revisions: got %s", res.raw)
	}

	res = hs.must("POST", g+"/deployments", `{"revision":"1.0.0","environment":"online"}`, 201)
	if res.str("environment") != "online" || res.str("revision") != "1.0.0" {
		t.Errorf("POST deployment: got %s", res.raw)
	}
	change("deploy", true)
	res = hs.must("GET", g+"/deployments", ``, 200)
	if deps, _ := res.body["deployments"].([]any); len(deps) != 1 {
		t.Errorf("GET deployments: got %s", res.raw)
	}
	pubs, err := hs.store.LoadPublished(t.Context())
	if err != nil || len(pubs) != 1 || pubs[0].Backend == nil || pubs[0].Backend.Status != 201 {
		t.Errorf("LoadPublished after deploy: got %+v, %v", pubs, err)
	}

	hs.must("DELETE", g+"/deployments/online", ``, 204)
	change("undeploy", true)
	hs.must("DELETE", g+"/backends/online", ``, 204)
	change("delete backend", true)
	hs.must("DELETE", a, ``, 204)
	change("delete api", true)
	hs.must("DELETE", g, ``, 204)
	change("delete group", true)
	hs.must("GET", g, ``, 404)
	change("get deleted group", false)
}

func TestPagination(t *testing.T) {
	hs := newHarness(t)
	var ids []string
	for i := range 25 {
		ids = append(ids, hs.must("POST", "/v1/groups", fmt.Sprintf(`{"name":"g%02d"}`, i), 201).str("groupId"))
	}
	tests := []struct {
		query          string
		number, size   float64
		first, entries int
	}{
		{"", 1, 20, 0, 20},
		{"?pageNumber=2", 2, 20, 20, 5},
		{"?pageSize=10&pageNumber=3", 3, 10, 20, 5},
		{"?pageSize=100", 1, 100, 0, 25},
		{"?pageNumber=9", 9, 20, 0, 0},
	}
	for _, tt := range tests {
		res := hs.must("GET", "/v1/groups"+tt.query, ``, 200)
		groups, ok := res.body["groups"].([]any)
		if !ok || res.body["totalCount"] != 25.0 || res.body["pageNumber"] != tt.number || res.body["pageSize"] != tt.size || len(groups) != tt.entries {
			t.Errorf("GET /v1/groups%s: got totalCount %v pageNumber %v pageSize %v and %d groups, want 25 %v %v %d",
				tt.query, res.body["totalCount"], res.body["pageNumber"], res.body["pageSize"], len(groups), tt.number, tt.size, tt.entries)
			continue
		}
		if tt.entries > 0 {
			if first := groups[0].(map[string]any)["groupId"]; first != ids[tt.first] {
				t.Errorf("GET /v1/groups%s: first group %v, want %s", tt.query, first, ids[tt.first])
			}
		}
	}
}

func TestRequestID(t *testing.T) {
	hs := newHarness(t)
	auth := "Bearer " + token
	tests := []struct {
		name, incoming string
		kept           bool
	}{
		{"sane", "req-1.A_b", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"none", "", false},
		{"65 characters", strings.Repeat("a", 65), false},
		{"space", "a b", false},
		{"newline-free but odd", "a/b", false},
	}
	for _, tt := range tests {
		for _, path := range []string{"/v1/groups", "/v1/groups/g-nothere"} {
			h := http.Header{"Authorization": {auth}}
			if tt.incoming != "" {
				h.Set("X-Request-Id", tt.incoming)
			}
			res := hs.call("GET", path, ``, h)
			got := res.header.Get("X-Request-Id")
			if tt.kept && got != tt.incoming || !tt.kept && (got == "" || got == tt.incoming) {
				t.Errorf("%s on %s: got X-Request-Id %q for incoming %q", tt.name, path, got, tt.incoming)
			}
			if res.status == 404 && res.str("requestId") != got {
				t.Errorf("%s on %s: body requestId %q, header %q", tt.name, path, res.str("requestId"), got)
			}
		}
	}
}

func TestLanguage(t *testing.T) {
	hs := newHarness(t)
	tests := []struct{ header, want string }{
		{"", "The group g-nothere resource is absent"},
		{"zh-CN,zh;q=0.9", "group g-nothere 资源不存在"},
		{"fr", "The group g-nothere resource is absent"},
	}
	for _, tt := range tests {
		h := http.Header{"Authorization": {"Bearer " + token}}
		if tt.header != "" {
			h.Set("Accept-Language", tt.header)
		}
		res := hs.call("GET", "/v1/groups/g-nothere", ``, h)
		if res.errMessage() != tt.want {
			t.Errorf("Accept-Language %q: got %q, want %q", tt.header, res.errMessage(), tt.want)
		}
	}
}

// TestConcurrentCreates sends a burst of concurrent writes through the
// API: with one writer connection none may fail with SQLITE_BUSY.
func TestConcurrentCreates(t *testing.T) {
	hs := newHarness(t)
	gid := hs.must("POST", "/v1/groups", `{"name":"busy"}`, 201).str("groupId")
	const n = 50
	var wg sync.WaitGroup
	statuses := make([]int, n)
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			req := fmt.Sprintf(`{"name":"api%d","method":"POST","path":"/p/%d"}`, i, i)
			res := hs.call("POST", "/v1/groups/"+gid+"/apis", req, http.Header{"Authorization": {"Bearer " + token}})
			statuses[i], bodies[i] = res.status, res.raw
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusCreated {
			t.Errorf("request %d: got %d: %s", i, s, bodies[i])
		}
	}
	res := hs.must("GET", "/v1/groups/"+gid+"/apis?pageSize=1", ``, 200)
	if res.body["totalCount"] != float64(n) {
		t.Errorf("after %d concurrent creations: totalCount %v", n, res.body["totalCount"])
	}
	if got := hs.changes.Load(); got != n+1 {
		t.Errorf("%d reloads, want %d", got, n+1)
	}
}

// TestOpenAPIMatchesRoutes holds the OpenAPI document and the route table
// together: every route is documented, and every documented operation is
// a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi: got %q, want 3.0.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	routed := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		routed[rt.method+" "+rt.pattern] = true
		if !documented[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s is not in openapi.json", rt.method, rt.pattern)
		}
	}
	for op := range documented {
		if !routed[op] {
			t.Errorf("openapi.json documents %s, which is not a route", op)
		}
	}
	// Every change of a resource with a version documents If-Match.
	for _, rt := range versioned((&server{}).routes()) {
		if rt.version == nil || rt.method == http.MethodGet {
			continue
		}
		var op struct {
			Parameters []struct {
				Ref string `json:"$ref"`
			} `json:"parameters"`
		}
		_ = json.Unmarshal(doc.Paths[rt.pattern][strings.ToLower(rt.method)], &op)
		says := false
		for _, p := range op.Parameters {
			says = says || p.Ref == "#/components/parameters/ifMatch"
		}
		if !says {
			t.Errorf("openapi.json: %s %s takes If-Match, and does not say so", rt.method, rt.pattern)
		}
	}

	hs := newHarness(t)
	res := hs.call("GET", "/v1/openapi.json", ``, nil)
	if res.status != 200 || res.str("openapi") != doc.OpenAPI {
		t.Errorf("GET /v1/openapi.json: got %d %.80s", res.status, res.raw)
	}
}

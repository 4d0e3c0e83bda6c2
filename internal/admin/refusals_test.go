package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// refusal is a call the operator makes that is refused, with the status
// and the jdcloud code of the refusal.
type refusal struct {
	name         string
	method, path string
	body         string
	status       int
	code         string
	inMessage    string // a part the message must hold, if not empty
}

// refusals returns every refusal TestRefusals checks, on a fixture it
// makes, and the ids it made with a name for each, for golden files.
func refusals(hs *harness) ([]refusal, map[string]string) {
	f := hs.fixture()
	g := "/v1/groups/" + f.group
	second := hs.must("POST", "/v1/groups", `{"name":"second"}`, 201).str("groupId")
	empty := "/v1/groups/" + second
	big := `{"name":"x","description":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	ids := map[string]string{f.group: "{group}", second: "{second}", f.api: "{api}", f.other: "{other}"}

	return []refusal{
		// Decoding.
		{"unknown field", "POST", "/v1/groups", `{"name":"a","colour":"red"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "colour"},
		{"field in the wrong case", "POST", "/v1/groups", `{"NAME":"a"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "NAME"},
		{"unknown nested field", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query","colour":"x"}]}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "params[0].colour"},
		{"server-set field", "POST", "/v1/groups", `{"name":"a","groupId":"g-mine"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "groupId"},
		{"malformed JSON", "POST", "/v1/groups", `{"name":"a",}`, 400, "APIGW_PARAM_VALUE_INVALID", "offset 12)"},
		{"truncated JSON", "POST", "/v1/groups", `{"name":"a"`, 400, "APIGW_PARAM_VALUE_INVALID", "ends at offset"},
		{"trailing data", "POST", "/v1/groups", `{"name":"a"} {}`, 400, "APIGW_PARAM_VALUE_INVALID", "after the JSON object"},
		{"not an object", "POST", "/v1/groups", `["a"]`, 400, "APIGW_PARAM_VALUE_INVALID", "object"},
		{"empty body", "POST", "/v1/groups", ``, 400, "APIGW_PARAM_VALUE_INVALID", "empty"},
		{"wrong type", "POST", "/v1/groups", `{"name":7}`, 400, "APIGW_PARAM_VALUE_INVALID", "name"},
		{"wrong nested type", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query","required":"yes"}]}`, 400, "APIGW_PARAM_VALUE_INVALID", "required"},
		{"body over 1 MiB", "POST", "/v1/groups", big, 400, "APIGW_PARAM_VALUE_INVALID", "larger than"},
		{"unknown query parameter", "GET", "/v1/groups?colour=red", ``, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "colour"},
		{"query on a route without", "GET", g + "?x=1", ``, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "x"},

		// Groups.
		{"group without name", "POST", "/v1/groups", `{"description":"x"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "name"},
		{"group name null", "POST", "/v1/groups", `{"name":null}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "name"},
		{"group name invalid", "POST", "/v1/groups", `{"name":"a b"}`, 400, "APIGW_PARAM_VALUE_INVALID", "name"},
		{"group name too long", "POST", "/v1/groups", `{"name":"` + strings.Repeat("x", 65) + `"}`, 400, "APIGW_PARAM_VALUE_INVALID", "name"},
		{"group dialect", "POST", "/v1/groups", `{"name":"a","dialect":"soap"}`, 400, "APIGW_PARAM_VALUE_INVALID", "dialect"},
		{"group language", "POST", "/v1/groups", `{"name":"a","language":"fr"}`, 400, "APIGW_PARAM_VALUE_INVALID", "language"},
		{"group name taken", "POST", "/v1/groups", `{"name":"shop"}`, 409, "APIGATEWAY_APIGROUPNAME_ISREPEAT", ""},
		{"rename to a taken name", "PATCH", empty, `{"name":"shop"}`, 409, "APIGATEWAY_APIGROUPNAME_ISREPEAT", ""},
		{"empty name in patch", "PATCH", g, `{"name":""}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "name"},
		{"dialect while online", "PATCH", g, `{"dialect":"market"}`, 400, "APIGATEWAY_MODIFY_ERROR", ""},
		{"delete while online", "DELETE", g, ``, 400, "APIGATEWAY_DELETE_API_ERROR", ""},
		{"unknown group", "GET", "/v1/groups/g-nothere", ``, 404, "APIGATEWAY_NOT_FOUND", "group g-nothere"},
		{"patch unknown group", "PATCH", "/v1/groups/g-nothere", `{"description":"x"}`, 404, "APIGATEWAY_NOT_FOUND", "group g-nothere"},
		{"delete unknown group", "DELETE", "/v1/groups/g-nothere", ``, 404, "APIGATEWAY_NOT_FOUND", "group g-nothere"},

		// APIs.
		{"api without name", "POST", g + "/apis", `{"method":"GET","path":"/a"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "name"},
		{"api without method", "POST", g + "/apis", `{"name":"a","path":"/a"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "method"},
		{"api without path", "POST", g + "/apis", `{"name":"a","method":"GET"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "path"},
		{"api bad method", "POST", g + "/apis", `{"name":"a","method":"FETCH","path":"/a"}`, 400, "APIGW_PARAM_VALUE_INVALID", "method"},
		{"api bad path", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a/{b"}`, 400, "APIGW_PARAM_VALUE_INVALID", "path"},
		{"api bad match type", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","matchType":"regex"}`, 400, "APIGW_PARAM_VALUE_INVALID", "matchType"},
		{"api undeclared path variable", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a/{b}"}`, 400, "APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", "b"},
		{"api undeclared backend variable", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","backendPath":"/x/{y}"}`, 400, "APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", "y"},
		{"api mapping from an undeclared parameter", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query"}],"mappings":[{"from":{"in":"query","name":"nope"},"to":{"in":"header","name":"X-Q"}}]}`, 400, "ARGUMENT_MISMATCH", "nope"},
		{"api mapping from a parameter declared elsewhere", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query"}],"mappings":[{"from":{"in":"header","name":"q"},"to":{"in":"query","name":"r"}}]}`, 400, "ARGUMENT_MISMATCH", "q"},
		{"api mapping to an identity header", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query"}],"mappings":[{"from":{"in":"query","name":"q"},"to":{"in":"header","name":"x_jdcloud_pin"}}]}`, 400, "APIGW_PARAM_VALUE_INVALID", "mappings[0].to.name"},
		{"api response schema reading a file", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","validateResponse":true,"responses":[{"status":200,"schema":{"$ref":"file:///etc/passwd"}}]}`, 400, "APIGW_PARAM_VALUE_INVALID", "responses[0].schema"},
		{"api param type", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query","type":"date"}]}`, 400, "APIGW_PARAM_VALUE_INVALID", "params[0].type"},
		{"api param in", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"body"}]}`, 400, "APIGW_PARAM_VALUE_INVALID", "params[0].in"},
		{"api param default", "POST", g + "/apis", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query","type":"integer","default":"ten"}]}`, 400, "APIGW_PARAM_VALUE_INVALID", "params[0].default"},
		{"api name taken", "POST", g + "/apis", `{"name":"getUser","method":"POST","path":"/new"}`, 409, "APIGATEWAY_APINAME_ISREPEAT", ""},
		{"api path taken", "POST", g + "/apis", `{"name":"other","method":"GET","path":"/users/{uid}","params":[{"name":"uid","in":"path"}]}`, 409, "APIGATEWAY_API_PATH_ISREPEAT", ""},
		{"api in unknown group", "POST", "/v1/groups/g-nothere/apis", `{"name":"a","method":"GET","path":"/a"}`, 404, "APIGATEWAY_NOT_FOUND", "group g-nothere"},
		{"unknown api", "GET", g + "/apis/api-nothere", ``, 404, "APIGATEWAY_NOT_FOUND", "api api-nothere"},
		{"patch api name taken", "PATCH", g + "/apis/" + f.other, `{"name":"getUser"}`, 409, "APIGATEWAY_APINAME_ISREPEAT", ""},
		{"patch api path taken", "PATCH", g + "/apis/" + f.other, `{"path":"/users/{id}","params":[{"name":"id","in":"path"}]}`, 409, "APIGATEWAY_API_PATH_ISREPEAT", ""},
		{"patch api drops a declared variable", "PATCH", g + "/apis/" + f.api, `{"params":[]}`, 400, "APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", "id"},
		{"delete api served online", "DELETE", g + "/apis/" + f.api, ``, 400, "APIGATEWAY_DELETE_API_ERROR", ""},
		{"delete unknown api", "DELETE", g + "/apis/api-nothere", ``, 404, "APIGATEWAY_NOT_FOUND", "api api-nothere"},

		// Backends.
		{"backend environment", "PUT", g + "/backends/prod", `{"type":"mock"}`, 400, "APIGW_PARAM_VALUE_INVALID", "environment"},
		{"backend without type", "PUT", g + "/backends/test", `{"urls":["http://a"]}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "type"},
		{"backend type", "PUT", g + "/backends/test", `{"type":"grpc"}`, 400, "APIGW_PARAM_VALUE_INVALID", "type"},
		{"backend without urls", "PUT", g + "/backends/test", `{"type":"http"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "urls"},
		{"backend url", "PUT", g + "/backends/test", `{"type":"http","urls":["ftp://a"]}`, 400, "APIGW_PARAM_VALUE_INVALID", "urls[0]"},
		{"backend timeout", "PUT", g + "/backends/test", `{"type":"http","urls":["http://a"],"timeoutMs":300001}`, 400, "APIGW_PARAM_VALUE_INVALID", "timeoutMs"},
		{"mock status", "PUT", g + "/backends/test", `{"type":"mock","status":700}`, 400, "APIGW_PARAM_VALUE_INVALID", "status"},
		{"mock with urls", "PUT", g + "/backends/test", `{"type":"mock","urls":["http://a"]}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "urls"},
		{"http with body", "PUT", g + "/backends/test", `{"type":"http","urls":["http://a"],"body":"x"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "body"},
		{"backend in unknown group", "PUT", "/v1/groups/g-nothere/backends/test", `{"type":"mock"}`, 404, "APIGATEWAY_NOT_FOUND", "group g-nothere"},
		{"backend not set", "GET", g + "/backends/preview", ``, 404, "APIGATEWAY_NOT_FOUND", "backend preview"},
		{"delete backend not set", "DELETE", g + "/backends/preview", ``, 404, "APIGATEWAY_NOT_FOUND", "backend preview"},

		// Revisions.
		{"revision without number", "POST", g + "/revisions", `{"description":"x"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "revision"},
		{"revision number", "POST", g + "/revisions", `{"revision":"1.0"}`, 400, "APIGW_PARAM_VALUE_INVALID", "revision"},
		{"revision taken", "POST", g + "/revisions", `{"revision":"1.0.0"}`, 409, "APIGATEWAY_REVISION_ISREPEAT", ""},
		{"revision of a group with no API", "POST", empty + "/revisions", `{"revision":"1.0.0"}`, 404, "APIGATEWAY_NONE_VALID_API", ""},
		{"revision of unknown group", "POST", "/v1/groups/g-nothere/revisions", `{"revision":"1.0.0"}`, 404, "APIGATEWAY_NOT_FOUND", "group g-nothere"},
		{"unknown revision", "GET", g + "/revisions/9.9.9", ``, 404, "APIGATEWAY_NOT_FOUND", "revision 9.9.9"},

		// Deployments.
		{"deploy without revision", "POST", g + "/deployments", `{"environment":"test"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "revision"},
		{"deploy without environment", "POST", g + "/deployments", `{"revision":"1.0.0"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "environment"},
		{"deploy environment", "POST", g + "/deployments", `{"revision":"1.0.0","environment":"prod"}`, 400, "APIGW_PARAM_VALUE_INVALID", "environment"},
		{"deploy unknown revision", "POST", g + "/deployments", `{"revision":"2.0.0","environment":"test"}`, 404, "APIGATEWAY_NOT_FOUND", "revision 2.0.0"},
		{"undeploy not deployed", "DELETE", g + "/deployments/preview", ``, 404, "APIGATEWAY_NOT_FOUND", "deployment preview"},
		{"undeploy environment", "DELETE", g + "/deployments/prod", ``, 400, "APIGW_PARAM_VALUE_INVALID", "environment"},

		// Paging.
		{"page size over 100", "GET", "/v1/groups?pageSize=101", ``, 400, "APIGW_PARAM_VALUE_INVALID", "pageSize"},
		{"page size zero", "GET", "/v1/groups?pageSize=0", ``, 400, "APIGW_PARAM_VALUE_INVALID", "pageSize"},
		{"page number zero", "GET", g + "/apis?pageNumber=0", ``, 400, "APIGW_PARAM_VALUE_INVALID", "pageNumber"},
		{"page number text", "GET", g + "/revisions?pageNumber=two", ``, 400, "APIGW_PARAM_VALUE_INVALID", "pageNumber"},

		// Routing.
		{"no such route", "GET", "/v1/nothing", ``, 404, "NOT_FOUND", "/v1/nothing"},
		{"no such method", "PUT", "/v1/groups", `{}`, 501, "NOT_IMPLEMENTED", "PUT"},
	}, ids
}

// TestRefusals checks every refusal: its code, its HTTP status, that the
// store is unchanged and that no reload was asked for.
func TestRefusals(t *testing.T) {
	hs := newHarness(t)
	tests, _ := refusals(hs)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs.t = t
			before, changes := hs.state(), hs.changes.Load()
			res := hs.do(tt.method, tt.path, tt.body)
			if res.status != tt.status || res.errStatus() != tt.code {
				t.Fatalf("%s %s: got %d %s, want %d %s: %s", tt.method, tt.path, res.status, res.errStatus(), tt.status, tt.code, res.raw)
			}
			if code, _ := res.body["error"].(map[string]any)["code"].(float64); int(code) != tt.status {
				t.Errorf("error.code: got %v, want %d", code, tt.status)
			}
			if !strings.Contains(res.errMessage(), tt.inMessage) {
				t.Errorf("error.message: got %q, want it to mention %q", res.errMessage(), tt.inMessage)
			}
			if id := res.header.Get("X-Request-Id"); id == "" || res.str("requestId") != id {
				t.Errorf("request id: header %q, body %q", id, res.str("requestId"))
			}
			if got := hs.changes.Load(); got != changes {
				t.Errorf("%d reloads on a refusal", got-changes)
			}
			if after := hs.state(); after != before {
				t.Errorf("a refused request changed the store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	if res := hs.do("PUT", "/v1/groups", `{}`); res.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow: got %q, want %q", res.header.Get("Allow"), "GET, POST")
	}
}

func TestAuth(t *testing.T) {
	hs := newHarness(t)
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		status int
	}{
		{"no token", "GET", "/v1/groups", "", http.StatusUnauthorized},
		{"wrong token", "GET", "/v1/groups", "Bearer nope", http.StatusUnauthorized},
		{"token prefix", "GET", "/v1/groups", "Bearer " + token[:5], http.StatusUnauthorized},
		{"token with more", "GET", "/v1/groups", "Bearer " + token + "x", http.StatusUnauthorized},
		{"other scheme", "GET", "/v1/groups", "Basic " + token, http.StatusUnauthorized},
		{"no scheme", "GET", "/v1/groups", token, http.StatusUnauthorized},
		{"write without token", "POST", "/v1/groups", "", http.StatusUnauthorized},
		{"unknown route without token", "GET", "/v1/nothing", "", http.StatusUnauthorized},
		{"outside /v1 without token", "GET", "/", "", http.StatusUnauthorized},
		{"right token", "GET", "/v1/groups", "Bearer " + token, http.StatusOK},
		{"scheme in lower case", "GET", "/v1/groups", "bearer " + token, http.StatusOK},
		{"openapi without token", "GET", "/v1/openapi.json", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs.t = t
			h := http.Header{}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			res := hs.call(tt.method, tt.path, `{"name":"x"}`, h)
			if res.status != tt.status {
				t.Fatalf("got status %d, want %d: %s", res.status, tt.status, res.raw)
			}
			if tt.status == http.StatusUnauthorized {
				if res.errStatus() != "UNAUTHENTICATED" {
					t.Errorf("error.status: got %q, want UNAUTHENTICATED", res.errStatus())
				}
				if res.header.Get("WWW-Authenticate") == "" {
					t.Errorf("no WWW-Authenticate header")
				}
			}
		})
	}
	if hs.changes.Load() != 0 {
		t.Errorf("%d reloads without a valid token", hs.changes.Load())
	}

	empty := New(Config{Store: hs.store})
	req := httptest.NewRequest("GET", "/v1/groups", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec := httptest.NewRecorder()
	empty.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("with an empty configured token: got %d, want 401", rec.Code)
	}
}

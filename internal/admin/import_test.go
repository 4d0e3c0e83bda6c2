package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// importServer is the admin API on a real listener, with the harness's
// store, for the import and export tests.
func importServer(t *testing.T) (*harness, *httptest.Server) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	return hs, srv
}

// send makes a call with the admin token over the network and decodes a
// JSON answer.
func send(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &m)
	}
	return res.StatusCode, m, string(raw)
}

func testdoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../openapi/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func count(m map[string]any, key string) int {
	l, _ := m[key].([]any)
	return len(l)
}

// TestImportDryRunChangesNothing: a dry run answers the diff of a real
// document and leaves the store as it was; the real import then makes
// exactly that diff.
func TestImportDryRunChangesNothing(t *testing.T) {
	hs, srv := importServer(t)
	g := hs.must("POST", "/v1/groups", `{"name":"pets"}`, 201).str("groupId")
	doc := testdoc(t, "petstore3-full.yaml")
	before, changes := hs.state(), hs.changes.Load()
	status, m, raw := send(t, srv, "POST", "/v1/groups/"+g+"/import?dryRun=true", doc)
	if status != 200 || m["dryRun"] != true || count(m, "added") != 19 {
		t.Fatalf("dry run: got %d %s, want 200 with 19 added", status, raw)
	}
	if after := hs.state(); after != before {
		t.Fatal("a dry run changed the store")
	}
	if hs.changes.Load() != changes {
		t.Error("a dry run told the data plane of a change")
	}
	status, m, raw = send(t, srv, "POST", "/v1/groups/"+g+"/import", doc)
	if status != 200 || count(m, "added") != 19 {
		t.Fatalf("import: got %d %s", status, raw)
	}
	status, m, _ = send(t, srv, "GET", "/v1/groups/"+g+"/apis?pageSize=100", "")
	if status != 200 || m["totalCount"] != float64(19) {
		t.Fatalf("after the import the group has %v APIs, want 19", m["totalCount"])
	}
	// The rules came with them: getPetById's path parameter is an int64.
	apis, _ := m["apis"].([]any)
	found := false
	for _, x := range apis {
		a := x.(map[string]any)
		if a["name"] == "getPetById" {
			p := a["params"].([]any)[0].(map[string]any)
			found = p["type"] == "integer" && p["format"] == "int64"
		}
	}
	if !found {
		t.Errorf("getPetById lost its integer path parameter: %v", apis)
	}
	// Importing the same document again changes nothing.
	status, m, raw = send(t, srv, "POST", "/v1/groups/"+g+"/import", doc)
	if status != 200 || m["unchanged"] != float64(19) || count(m, "added")+count(m, "changed")+count(m, "removed") != 0 {
		t.Errorf("second import: got %d %s, want 19 unchanged", status, raw)
	}
}

// TestImportMergeAndReplace: merge keeps the group's other APIs; replace
// removes them, but not one the revision deployed online serves, which
// is a conflict.
func TestImportMergeAndReplace(t *testing.T) {
	hs, srv := importServer(t)
	f := hs.fixture() // getUser served online, listUsers not deployed
	doc := testdoc(t, "petstore-3.0.yaml")
	status, m, raw := send(t, srv, "POST", "/v1/groups/"+f.group+"/import?mode=merge", doc)
	if status != 200 || count(m, "added") != 3 || count(m, "removed") != 0 || count(m, "conflicts") != 0 {
		t.Fatalf("merge: got %d %s", status, raw)
	}
	if s, _, _ := send(t, srv, "GET", "/v1/groups/"+f.group+"/apis/"+f.other, ""); s != 200 {
		t.Fatal("merge removed an API the document does not have")
	}
	status, m, raw = send(t, srv, "POST", "/v1/groups/"+f.group+"/import?mode=replace", doc)
	if status != 200 || count(m, "removed") != 1 || count(m, "conflicts") != 1 || m["unchanged"] != float64(3) {
		t.Fatalf("replace: got %d %s, want listUsers removed and getUser a conflict", status, raw)
	}
	if c := m["conflicts"].([]any)[0].(map[string]any); c["apiId"] != f.api || !strings.Contains(c["reason"].(string), "online") {
		t.Errorf("replace: the conflict is %v, want getUser served online", c)
	}
	if s, _, _ := send(t, srv, "GET", "/v1/groups/"+f.group+"/apis/"+f.other, ""); s != 404 {
		t.Error("replace kept an API the document does not have")
	}
	if s, _, _ := send(t, srv, "GET", "/v1/groups/"+f.group+"/apis/"+f.api, ""); s != 200 {
		t.Error("replace removed the API served online")
	}
	if status, _, raw := send(t, srv, "POST", "/v1/groups/"+f.group+"/import?mode=overwrite", doc); status != 400 {
		t.Errorf("mode=overwrite: got %d %s, want 400", status, raw)
	}
}

// TestImportRefusals: each refusal of a document has its code, and the
// line, the JSON pointer and the reason in its message; nothing changes.
// The attacks (a $ref to a URL or a file, a billion laughs, deep
// nesting, a circular $ref, too many operations, too many bytes) are
// among them.
func TestImportRefusals(t *testing.T) {
	hs, srv := importServer(t)
	g := hs.must("POST", "/v1/groups", `{"name":"pets"}`, 201).str("groupId")
	var hits atomic.Int64
	lure := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"type":"string"}`)
	}))
	defer lure.Close()
	head := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
	laughs := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs += fmt.Sprintf("x-%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", n, n, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = n
	}
	laughs += "paths: {}\n"
	var many strings.Builder
	many.WriteString(head + "paths:\n")
	for i := 0; i < 1001; i++ {
		fmt.Fprintf(&many, "  /p%d: {get: {responses: {'200': {description: ok}}}}\n", i)
	}
	deep := head + "paths: {}\nx-deep: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"
	for _, c := range []struct {
		name, doc, code string
		status          int
		want            []string
	}{
		{"empty", "", "APIGATEWAY_SWAGGER_NULL_ERRO", 404, nil},
		{"only comments", "# nothing\n\n", "APIGATEWAY_SWAGGER_NULL_ERRO", 404, nil},
		{"not YAML", head + "paths:\n  /a: [\n", "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"line "}},
		{"not JSON", "{\"openapi\": \"3.0.3\",\n\"info\": {\"title\": \"t\"}\n\"paths\": {}}", "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"line 3", "not valid JSON"}},
		{"no version", "info: {title: t}\npaths: {}\n", "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"line 1", "neither swagger"}},
		{"undeclared path variable", head + "paths:\n  /pets/{id}:\n    get:\n      responses: {'200': {description: ok}}\n",
			"APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"/paths/~1pets~1{id}/get", "line 5", "missing: [id]"}},
		{"external URL ref", head + "paths:\n  /a:\n    get:\n      parameters:\n        - $ref: '" + lure.URL + "/p.json'\n      responses: {'200': {description: ok}}\n",
			"APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"line 7", "/paths/~1a/get/parameters/0/$ref", "leaves the document"}},
		{"external file ref", head + "paths:\n  /a:\n    $ref: '/etc/passwd'\n", "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"line 5", "/paths/~1a/$ref"}},
		{"billion laughs", laughs, "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"aliases are expanded"}},
		{"deep nesting", deep, "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"nested deeper than 64", "line 4"}},
		{"circular ref", head + "paths: {}\ncomponents:\n  parameters:\n    a: {$ref: '#/components/parameters/b'}\n    b: {$ref: '#/components/parameters/a'}\n",
			"APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"circular $ref", "/components/parameters/a/$ref", "line 6"}},
		{"too many operations", many.String(), "APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"1001 operations", "/paths"}},
		{"unknown extension", head + "paths:\n  /a:\n    get:\n      x-tollgate-backend-pth: /b\n      responses: {'200': {description: ok}}\n",
			"APIGATEWAY_SWAGGER_PARSE_ERROR", 500, []string{"unknown extension", "/paths/~1a/get/x-tollgate-backend-pth", "line 6"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := hs.state()
			status, m, raw := send(t, srv, "POST", "/v1/groups/"+g+"/import", c.doc)
			e, _ := m["error"].(map[string]any)
			if status != c.status || e["status"] != c.code {
				t.Fatalf("got %d %s, want %d %s", status, raw, c.status, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(e["message"].(string), w) {
					t.Errorf("message %q does not say %q", e["message"], w)
				}
			}
			if hs.state() != before {
				t.Error("a refused import changed the store")
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the import fetched the external $ref %d times", hits.Load())
	}
	// A document over 5 MiB is refused before it is parsed.
	big := head + "paths: {}\nx-pad: '" + strings.Repeat("a", 5<<20) + "'\n"
	if status, _, raw := send(t, srv, "POST", "/v1/groups/"+g+"/import", big); status != 400 || !strings.Contains(raw, "larger than") {
		t.Errorf("a 5 MiB document: got %d %.200s, want 400 larger than", status, raw)
	}
}

// TestImportTenantIsolation: tenant A cannot import into B's group, with
// its key or its user's: 403 and B's group is unchanged.
func TestImportTenantIsolation(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	doc := testdoc(t, "petstore-3.0.yaml")
	before := hs.state()
	for _, k := range []creds{a.key, a.userKey} {
		for _, path := range []string{"/import", "/import?mode=replace", "/import?dryRun=true"} {
			res := hs.signed("AWS4-HMAC-SHA256", k, "POST", "/v1/groups/"+b.group+path, doc)
			if res.status != 403 || res.errStatus() != "APIGATEWAY_HTTP_FORBIDDEN" {
				t.Errorf("A on B's %s: got %d %s", path, res.status, res.raw)
			}
			hs.clock.Advance(1e9)
		}
	}
	if res := hs.signed("AWS4-HMAC-SHA256", a.key, "GET", "/v1/groups/"+b.group+"/openapi.json", ""); res.status != 403 || strings.Contains(res.raw, "paths") {
		t.Errorf("A exporting B's group: got %d %.200s", res.status, res.raw)
	}
	if hs.state() != before {
		t.Error("A's refused imports changed the store")
	}
	hs.clock.Advance(1e9)
	if res := hs.signed("AWS4-HMAC-SHA256", a.key, "POST", "/v1/groups/"+a.group+"/import", doc); res.status != 200 {
		t.Errorf("A importing into its own group: got %d %s", res.status, res.raw)
	}
}

// TestExportRoundTrip: the export of an imported real-world document, as
// JSON and as YAML, and of a deployed revision, has the group's servers,
// and importing it changes nothing.
func TestExportRoundTrip(t *testing.T) {
	hs, srv := importServer(t)
	hs.srv.baseDomain = "gw.example"
	hs.srv.dataEndpoint = func() (string, int) { return "https", 8443 }
	for _, f := range []string{"petstore-2.0.yaml", "petstore3-full.yaml", "tollgate-3.1.yaml"} {
		t.Run(f, func(t *testing.T) {
			g := hs.must("POST", "/v1/groups", `{"name":"rt-`+strings.NewReplacer(".", "-").Replace(f)+`"}`, 201).str("groupId")
			if status, _, raw := send(t, srv, "POST", "/v1/groups/"+g+"/import", testdoc(t, f)); status != 200 {
				t.Fatalf("import: %d %s", status, raw)
			}
			hs.must("POST", "/v1/groups/"+g+"/revisions", `{"revision":"1.2.0"}`, 201)
			hs.must("POST", "/v1/groups/"+g+"/deployments", `{"revision":"1.2.0","environment":"test"}`, 201)
			for _, path := range []string{"/openapi.json", "/openapi.yaml", "/openapi.json?revision=1.2.0"} {
				status, m, out := send(t, srv, "GET", "/v1/groups/"+g+path, "")
				if status != 200 {
					t.Fatalf("GET %s: %d %s", path, status, out)
				}
				if !strings.Contains(out, "https://"+g+"-test.gw.example:8443") {
					t.Errorf("GET %s: no server for the test environment:\n%.400s", path, out)
				}
				if strings.HasSuffix(path, ".json") && m["openapi"] != "3.1.0" {
					t.Errorf("GET %s: openapi %v, want 3.1.0", path, m["openapi"])
				}
				before := hs.state()
				status, m, raw := send(t, srv, "POST", "/v1/groups/"+g+"/import?mode=replace", out)
				if status != 200 || count(m, "added")+count(m, "changed")+count(m, "removed")+count(m, "conflicts") != 0 {
					t.Errorf("importing the export of %s (%s) changed something: %d %s", f, path, status, raw)
				}
				if hs.state() != before {
					t.Errorf("importing the export of %s (%s) changed the store", f, path)
				}
			}
		})
	}
}

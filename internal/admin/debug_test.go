package admin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// recordingDebugger stands in for the data plane in the admin API's own
// tests: it records the calls it is handed and answers each with a body
// that is not UTF-8. The real one, the gateway's pipeline, is tested with
// the admin API in internal/app (debug_test.go).
type recordingDebugger struct {
	mu    sync.Mutex
	calls []model.DebugCall
}

func (d *recordingDebugger) Debug(_ context.Context, c model.DebugCall) (model.DebugAnswer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, c)
	return model.DebugAnswer{Status: 200, Header: http.Header{"X-From": {"backend"}}, Body: []byte{0xff, 0x00, 'x'}, BodyBytes: 3,
		Stages: []model.StageVerdict{{Stage: "accept", Verdict: model.VerdictPassed}}}, nil
}

func (d *recordingDebugger) taken() []model.DebugCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]model.DebugCall(nil), d.calls...)
}

// debugFixture makes a group with an API of a path, a query and a header
// parameter, deployed to test, and returns the group and the API.
func debugFixture(hs *harness, owner string) (group, api string) {
	body := `{"name":"g-debug"}`
	if owner != "" {
		body = fmt.Sprintf(`{"name":"%s-debug","owner":%q}`, owner, owner)
	}
	group = hs.must("POST", "/v1/groups", body, 201).str("groupId")
	g := "/v1/groups/" + group
	api = hs.must("POST", g+"/apis", `{"name":"item","method":"POST","path":"/items/{id}","params":[
		{"name":"id","in":"path","type":"string","required":true},
		{"name":"q","in":"query","type":"integer"},
		{"name":"X-Trace","in":"header","type":"string"}]}`, 201).str("apiId")
	hs.must("POST", g+"/revisions", `{"revision":"1.0.0"}`, 201)
	hs.must("PUT", g+"/backends/test", `{"type":"mock","body":"hi"}`, 200)
	hs.must("POST", g+"/deployments", `{"revision":"1.0.0","environment":"test"}`, 201)
	return group, api
}

// TestDebugBuildsTheCall: the sample's parameters go where the API
// declares them (the path variable escaped, the query, a header; an
// undeclared name in the query), the JSON body with its content type, the
// operator as the actor; and the answer's body, not UTF-8, comes back in
// base64.
func TestDebugBuildsTheCall(t *testing.T) {
	hs := newHarness(t)
	group, api := debugFixture(hs, "")
	res := hs.must("POST", "/v1/groups/"+group+"/apis/"+api+"/debug", `{"environment":"test",
		"params":{"id":"a b/c","q":7,"X-Trace":"t-1","extra":"e"},"headers":{"Accept-Language":"zh"},"body":{"k":[1,2]}}`, 200)
	calls := hs.debugger.taken()
	if len(calls) != 1 {
		t.Fatalf("%d calls reached the data plane", len(calls))
	}
	c := calls[0]
	if c.GroupID != group || c.APIID != api || c.Environment != model.EnvTest || c.Method != "POST" ||
		c.Path != "/items/a%20b%2Fc" || c.RawQuery != "extra=e&q=7" || !c.Actor.Operator {
		t.Errorf("call %+v", c)
	}
	if c.Header.Get("X-Trace") != "t-1" || c.Header.Get("Accept-Language") != "zh" || c.Header.Get("Content-Type") != "application/json" ||
		string(c.Body) != `{"k":[1,2]}` {
		t.Errorf("headers %v, body %q", c.Header, c.Body)
	}
	if res.str("bodyEncoding") != "base64" || res.str("body") != base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 'x'}) ||
		res.body["status"] != 200.0 || res.body["bodyBytes"] != 3.0 {
		t.Errorf("answer %s", res.raw)
	}

	// A path variable left out cannot make the path.
	res = hs.do("POST", "/v1/groups/"+group+"/apis/"+api+"/debug", `{"environment":"test"}`)
	if res.status != 400 || res.errStatus() != "APIGATEWAY_ARGUMENT_NOT_FOUND" || !strings.Contains(res.raw, "params.id") {
		t.Errorf("no path value: %d %s", res.status, res.raw)
	}
	// Another method than the API's.
	res = hs.do("POST", "/v1/groups/"+group+"/apis/"+api+"/debug", `{"environment":"test","method":"GET","params":{"id":"1"}}`)
	if res.status != 400 || !strings.Contains(res.raw, "the API answers POST") {
		t.Errorf("another method: %d %s", res.status, res.raw)
	}
	if n := len(hs.debugger.taken()); n != 1 {
		t.Errorf("%d calls reached the data plane, want the first only", n)
	}
}

// TestDebugCallPlaces: cookie and form parameters, a string body as text
// and bodyBase64 as bytes.
func TestDebugCallPlaces(t *testing.T) {
	api := &model.API{Method: "ANY", Path: "/", Params: []model.Param{
		{Name: "sid", In: model.InCookie}, {Name: "f", In: model.InForm}, {Name: "h", In: model.InHeader}}}
	c, err := debugCallOf(&debugRequest{Params: map[string]model.Scalar{"sid": "s1", "f": "a&b", "h": "v", "q": "1"}}, api)
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != "GET" || c.Path != "/" || c.RawQuery != "q=1" || c.Header.Get("Cookie") != "sid=s1" || c.Header.Get("H") != "v" ||
		string(c.Body) != "f=a%26b" || c.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("call %+v body %q", c, c.Body)
	}
	c, err = debugCallOf(&debugRequest{Body: json.RawMessage(`"plain \u00e9"`)}, &model.API{Method: "PUT", Path: "/x"})
	if err != nil || string(c.Body) != "plain é" || c.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("string body: %v %q %v", err, c.Body, c.Header)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'})
	c, err = debugCallOf(&debugRequest{BodyBase64: &b64}, &model.API{Method: "PUT", Path: "/x"})
	if err != nil || string(c.Body) != "\x89PNG" || c.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("base64 body: %v %q %v", err, c.Body, c.Header)
	}
	if _, err := debugCallOf(&debugRequest{BodyBase64: &b64, Body: json.RawMessage(`{}`)}, &model.API{Method: "PUT", Path: "/x"}); err == nil {
		t.Error("body and bodyBase64 together were taken")
	}
}

// TestDebugNotExistMethod: an environment with nothing deployed, an API
// the deployed revision does not have (created since) and an id of no API
// are APIGATEWAY_NOT_EXIST_METHOD_ERROR (404), and nothing reaches the
// data plane.
func TestDebugNotExistMethod(t *testing.T) {
	hs := newHarness(t)
	group, api := debugFixture(hs, "")
	later := hs.must("POST", "/v1/groups/"+group+"/apis", `{"name":"later","method":"GET","path":"/later"}`, 201).str("apiId")
	for _, tc := range []struct{ name, api, env string }{
		{"nothing deployed", api, "preview"},
		{"not in the deployed revision", later, "test"},
		{"no such API", "api-nope", "test"},
	} {
		res := hs.do("POST", "/v1/groups/"+group+"/apis/"+tc.api+"/debug", `{"environment":"`+tc.env+`","params":{"id":"1"}}`)
		if res.status != 404 || res.errStatus() != "APIGATEWAY_NOT_EXIST_METHOD_ERROR" {
			t.Errorf("%s: %d %s", tc.name, res.status, res.raw)
		}
	}
	if n := len(hs.debugger.taken()); n != 0 {
		t.Errorf("%d calls reached the data plane", n)
	}
}

// TestDebugBodyRules: a sample body that breaks the API's declared body
// (the schema, the content type, the size, a required body missing) is
// APIGATEWAY_API_BODY_ERROR naming what is wrong, before anything is
// sent; a conforming one goes through. A schema that points outside
// itself ($ref to a file) is refused without reading the file.
func TestDebugBodyRules(t *testing.T) {
	hs := newHarness(t)
	group, api := debugFixture(hs, "")
	ctx := context.Background()
	revisions := 0
	setBody := func(rules *model.BodyRules) {
		t.Helper()
		if _, err := hs.store.UpdateAPI(ctx, group, api, func(a *model.API) error { a.Body = rules; return nil }); err != nil {
			t.Fatal(err)
		}
		revisions++
		rev := fmt.Sprintf("2.0.%d", revisions)
		hs.must("POST", "/v1/groups/"+group+"/revisions", `{"revision":"`+rev+`"}`, 201)
		hs.must("POST", "/v1/groups/"+group+"/deployments", `{"revision":"`+rev+`","environment":"test"}`, 201)
	}
	setBody(&model.BodyRules{Required: true, ContentTypes: []string{"application/json"}, MaxBytes: 64,
		Schema: json.RawMessage(`{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}}`)})
	debug := func(sample string) response {
		return hs.do("POST", "/v1/groups/"+group+"/apis/"+api+"/debug", `{"environment":"test","params":{"id":"1"}`+sample+`}`)
	}
	for _, tc := range []struct{ name, sample, says string }{
		{"schema: a field out of range", `,"body":{"name":"ann","age":-1}`, `at body#/age: minimum: got -1, want 0`},
		{"schema: a required field missing", `,"body":{"age":3}`, `at body#/name: a property the schema requires`},
		{"not JSON", `,"body":"{nope"`, "not JSON"},
		{"content type", `,"body":{"name":"ann"},"headers":{"Content-Type":"text/plain"}`, "text/plain"},
		{"too large", `,"body":{"name":"` + strings.Repeat("a", 80) + `"}`, "over the API's 64"},
		{"required", ``, "requires a body"},
	} {
		res := debug(tc.sample)
		if res.status != 500 || res.errStatus() != "APIGATEWAY_API_BODY_ERROR" || !strings.Contains(res.errMessage(), tc.says) {
			t.Errorf("%s: %d %s, want APIGATEWAY_API_BODY_ERROR saying %s", tc.name, res.status, res.raw, tc.says)
		}
	}
	if n := len(hs.debugger.taken()); n != 0 {
		t.Fatalf("%d refused samples reached the data plane", n)
	}
	if res := debug(`,"body":{"name":"ann","age":3}`); res.status != 200 {
		t.Errorf("a conforming body: %d %s", res.status, res.raw)
	}

	// A schema that points outside itself cannot even be saved: the
	// store refuses it without reading the file.
	_, err := hs.store.UpdateAPI(ctx, group, api, func(a *model.API) error {
		a.Body = &model.BodyRules{Schema: json.RawMessage(`{"$ref":"file:///etc/passwd"}`)}
		return nil
	})
	if !errcode.Has(err, errcode.BodySchemaInvalid) || strings.Contains(fmt.Sprint(err), "root:") {
		t.Errorf("a schema with a file $ref: %v, want BodySchemaInvalid", err)
	}
}

// TestDebugOtherTenant: a tenant's key, or its user's, on another
// tenant's API is refused as every such call is, and nothing reaches the
// data plane; on its own, the call is made on behalf of the account or
// the user.
func TestDebugOtherTenant(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	_, bAPI := debugFixture(hs, "tenant-b")
	for _, k := range []creds{a.key, a.userKey} {
		res := hs.signed("AWS4-HMAC-SHA256", k, "POST", "/v1/groups/"+b.group+"/apis/"+b.api+"/debug", `{"environment":"test"}`)
		if res.status != 403 || res.errStatus() != "APIGATEWAY_HTTP_FORBIDDEN" {
			t.Errorf("A on B's API: %d %s", res.status, res.raw)
		}
		// B's API id under A's group: not A's API.
		res = hs.signed("AWS4-HMAC-SHA256", k, "POST", "/v1/groups/"+a.group+"/apis/"+bAPI+"/debug", `{"environment":"test","params":{"id":"1"}}`)
		if res.status != 404 || res.errStatus() != "APIGATEWAY_NOT_EXIST_METHOD_ERROR" {
			t.Errorf("B's API under A's group: %d %s", res.status, res.raw)
		}
	}
	if n := len(hs.debugger.taken()); n != 0 {
		t.Fatalf("%d calls of A on B reached the data plane", n)
	}
	hs.signed("AWS4-HMAC-SHA256", a.key, "POST", "/v1/groups/"+a.group+"/apis/"+a.api+"/debug", `{"environment":"test"}`)
	hs.signed("AWS4-HMAC-SHA256", a.userKey, "POST", "/v1/groups/"+a.group+"/apis/"+a.api+"/debug", `{"environment":"test"}`)
	calls := hs.debugger.taken()
	if len(calls) != 2 || calls[0].Actor != (model.DebugActor{Pin: "tenant-a"}) || calls[1].Actor != (model.DebugActor{Pin: "tenant-a", User: a.user}) {
		t.Errorf("actors: %+v", calls)
	}
}

// TestDebugWithoutDataPlane: a server with no data plane says so.
func TestDebugWithoutDataPlane(t *testing.T) {
	hs := newHarness(t)
	hs.srv.debugger = nil
	hs.h = hs.srv.handler()
	group, api := debugFixture(hs, "")
	res := hs.do("POST", "/v1/groups/"+group+"/apis/"+api+"/debug", `{"environment":"test","params":{"id":"1"}}`)
	if res.status != 503 || res.errStatus() != "UNAVAILABLE" {
		t.Errorf("%d %s", res.status, res.raw)
	}
}

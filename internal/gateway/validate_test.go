package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

func ptr[T any](v T) *T { return &v }

// validatedAPI declares a parameter of each place, with rules, a strict
// query and a JSON Schema for its body.
func validatedAPI() model.API {
	a := api("items", "ANY", "/items/{id}", model.MatchAbsolute, "")
	a.Params = []model.Param{
		{Name: "id", In: model.InPath, Type: model.TypeInteger, Required: true},
		{Name: "limit", In: model.InQuery, Type: model.TypeInteger, Required: true,
			ParamRules: model.ParamRules{Minimum: ptr(1.0), Maximum: ptr(100.0)}},
		{Name: "day", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Format: "date"}},
		{Name: "sort", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Enum: []model.Scalar{"asc", "desc"}}},
		{Name: "tag", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Pattern: "^[a-z]+$", MaxLength: ptr(8)}},
		{Name: "sig", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Format: "byte"}},
		{Name: "X-Tenant", In: model.InHeader, Type: model.TypeString, ParamRules: model.ParamRules{Format: "uuid"}},
		{Name: "session", In: model.InCookie, Type: model.TypeString, ParamRules: model.ParamRules{MinLength: ptr(4)}},
	}
	a.Strict = true
	a.Body = &model.BodyRules{Schema: json.RawMessage(`{
		"type": "object",
		"required": ["name"],
		"properties": {
			"name": {"type": "string", "maxLength": 8},
			"age": {"type": "integer", "minimum": 0},
			"photo": {"type": "string", "format": "byte"}
		}
	}`)}
	return a
}

// formAPI declares a required form field.
func formAPI() model.API {
	a := api("form", "POST", "/form", model.MatchAbsolute, "")
	a.Params = []model.Param{{Name: "count", In: model.InForm, Type: model.TypeInteger, Required: true}}
	return a
}

// validationCase is a request that breaks one declaration, and the code
// each dialect answers it with.
type validationCase struct {
	name, method, path, body, contentType string
	header                                http.Header
	status                                int
	codes                                 map[errcode.Dialect]string // jdcloud: the error status
	mention                               string                     // what the message must name
}

var validationCases = []validationCase{
	{name: "missing_query", method: "GET", path: "/items/1",
		status: 400, mention: "limit", codes: dialectCodes("ARGUMENT_NOT_FOUND", "12001", "1103", "4000")},
	{name: "missing_form", method: "POST", path: "/form", body: "other=1", contentType: "application/x-www-form-urlencoded",
		status: 400, mention: "count", codes: dialectCodes("ARGUMENT_NOT_FOUND", "12001", "1103", "4000")},
	{name: "missing_body_field", method: "POST", path: "/items/1?limit=5", body: `{"age":3}`, contentType: "application/json",
		status: 400, mention: "body#/name", codes: dialectCodes("ARGUMENT_NOT_FOUND", "12001", "1103", "4000")},
	{name: "path_not_integer", method: "GET", path: "/items/abc?limit=5",
		status: 400, mention: "id", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1103", "4000")},
	{name: "form_not_integer", method: "POST", path: "/form", body: "count=many", contentType: "application/x-www-form-urlencoded",
		status: 400, mention: "count", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1103", "4000")},
	{name: "query_not_date", method: "GET", path: "/items/1?limit=5&day=2024-13-40",
		status: 400, mention: "day", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1103", "4000")},
	{name: "header_not_uuid", method: "GET", path: "/items/1?limit=5", header: http.Header{"X-Tenant": {"nope"}},
		status: 400, mention: "X-Tenant", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1103", "4000")},
	{name: "body_field_type", method: "POST", path: "/items/1?limit=5", body: `{"name":"a","age":"three"}`, contentType: "application/json",
		status: 400, mention: "body#/age", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1103", "4000")},
	{name: "query_out_of_range", method: "GET", path: "/items/1?limit=500",
		status: 400, mention: "limit", codes: dialectCodes("OUT_OF_RANGE", "12001", "1103", "4000")},
	{name: "query_not_in_enum", method: "GET", path: "/items/1?limit=5&sort=up",
		status: 400, mention: "sort", codes: dialectCodes("OUT_OF_RANGE", "12001", "1103", "4000")},
	{name: "query_pattern", method: "GET", path: "/items/1?limit=5&tag=A1",
		status: 400, mention: "tag", codes: dialectCodes("OUT_OF_RANGE", "12001", "1103", "4000")},
	{name: "cookie_too_short", method: "GET", path: "/items/1?limit=5", header: http.Header{"Cookie": {"session=ab"}},
		status: 400, mention: "session", codes: dialectCodes("OUT_OF_RANGE", "12001", "1103", "4000")},
	{name: "body_field_too_long", method: "POST", path: "/items/1?limit=5", body: `{"name":"abcdefghijk"}`, contentType: "application/json",
		status: 400, mention: "body#/name", codes: dialectCodes("OUT_OF_RANGE", "12001", "1103", "4000")},
	{name: "undeclared_on_strict", method: "GET", path: "/items/1?limit=5&debug=1",
		status: 400, mention: "debug", codes: dialectCodes("ARGUMENT_NOT_SUPPORT", "12001", "1103", "4000")},
	{name: "body_not_json", method: "POST", path: "/items/1?limit=5", body: `{"name":`, contentType: "application/json",
		status: 400, mention: "JSON", codes: dialectCodes("INVALID_ARGUMENT", "12001", "1101", "4000")},
	{name: "query_not_base64", method: "GET", path: "/items/1?limit=5&sig=%21%21%21",
		status: 400, mention: "sig", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1102", "4000")},
	{name: "body_field_not_base64", method: "POST", path: "/items/1?limit=5", body: `{"name":"a","photo":"***"}`, contentType: "application/json",
		status: 400, mention: "body#/photo", codes: dialectCodes("ARGUMENT_WRONG_FORMAT", "12001", "1102", "4000")},
	{name: "pin_malformed", method: "GET", path: "/items/1?limit=5", header: http.Header{"X-Jdcloud-Pin": {"acme corp"}},
		status: 403, mention: "X-Jdcloud-Pin", codes: dialectCodes("APIGW_FORMAT_ERROR", "12001", "1103", "4000")},
	{name: "user_header_malformed", method: "GET", path: "/items/1?limit=5", header: http.Header{"X_jdcloud_user": {"bob/../admin"}},
		status: 403, mention: "X_jdcloud_user", codes: dialectCodes("APIGW_FORMAT_ERROR", "12001", "1103", "4000")},
}

func dialectCodes(jd, market, zenith, tencent string) map[errcode.Dialect]string {
	return map[errcode.Dialect]string{errcode.DialectJDCloud: jd, errcode.DialectMarket: market,
		errcode.DialectZenith: zenith, errcode.DialectTencent: tencent}
}

// envelopeCode returns the code and message of an error envelope in
// dialect d.
func envelopeCode(t *testing.T, d errcode.Dialect, body []byte) (code, msg string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	switch d {
	case errcode.DialectJDCloud:
		e, _ := m["error"].(map[string]any)
		return fmt.Sprint(e["status"]), fmt.Sprint(e["message"])
	case errcode.DialectMarket:
		return fmt.Sprint(m["code"]), fmt.Sprint(m["msg"])
	case errcode.DialectZenith:
		return fmt.Sprint(m["error_code"]), fmt.Sprint(m["error_message"])
	default:
		return fmt.Sprint(m["code"]), fmt.Sprint(m["message"])
	}
}

// TestValidateStage sends, to a group of each dialect behind a real
// backend, requests that break each kind of declaration, in English and
// in Chinese: each is refused before the backend with the code of its
// dialect, the condition's status, a message in the language asked for
// that names the parameter; the rendered answers are kept in a golden
// file. A request that keeps every declaration reaches the backend.
func TestValidateStage(t *testing.T) {
	var reached atomic.Int64
	backend := backendFunc(t, func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Write([]byte(`{"ok":true}`))
	})
	var pubs []model.Published
	for _, d := range errcode.Dialects {
		pubs = append(pubs, published(group("v-"+string(d), d, errcode.English), model.EnvOnline,
			httpBackend(2000, backend), validatedAPI(), formAPI()))
	}
	h := newHarness(t, Config{}, pubs...)
	var out strings.Builder
	for _, tc := range validationCases {
		for _, d := range errcode.Dialects {
			for _, lang := range []string{"en", "zh-CN"} {
				var body *strings.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				var req *http.Request
				if body != nil {
					req = h.request(tc.method, "v-"+string(d)+".localhost", tc.path, body)
				} else {
					req = h.request(tc.method, "v-"+string(d)+".localhost", tc.path, nil)
				}
				for k, vs := range tc.header {
					req.Header[k] = vs
				}
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				req.Header.Set("Accept-Language", lang)
				req.Header.Set("X-Request-Id", "req-"+tc.name)
				resp := h.do(req)
				code, msg := envelopeCode(t, d, resp.body)
				if resp.StatusCode != tc.status || code != tc.codes[d] {
					t.Errorf("%s %s %s: got %d %s, want %d %s", tc.name, d, lang, resp.StatusCode, code, tc.status, tc.codes[d])
				}
				if !strings.Contains(msg, tc.mention) {
					t.Errorf("%s %s %s: message %q does not name %q", tc.name, d, lang, msg, tc.mention)
				}
				if zh := lang == "zh-CN"; zh != containsHan(msg) {
					t.Errorf("%s %s %s: message %q is not in the language asked for", tc.name, d, lang, msg)
				}
				fmt.Fprintf(&out, "%s %s %s %d %s", tc.name, d, lang, resp.StatusCode, resp.body)
			}
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("%d refused requests reached the backend", n)
	}
	golden(t, "validate.golden", []byte(out.String()))

	// A call that keeps every declaration goes through, credentials and
	// all, with its body intact.
	for _, d := range errcode.Dialects {
		req := h.request("POST", "v-"+string(d)+".localhost", "/items/7?limit=100&day=2024-02-29&sort=asc&tag=abc&sig=aGk%3D",
			strings.NewReader(`{"name":"kit","age":3,"photo":"aGk="}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Tenant", "123e4567-e89b-12d3-a456-426614174000")
		req.Header.Set("X-Jdcloud-Pin", "acme.corp_1")
		req.AddCookie(&http.Cookie{Name: "session", Value: "abcd"})
		if resp := h.do(req); resp.StatusCode != 200 {
			t.Errorf("%s: a valid call: %d %s", d, resp.StatusCode, resp.body)
		}
		req = h.request("POST", "v-"+string(d)+".localhost", "/form", strings.NewReader("count=3"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp := h.do(req); resp.StatusCode != 200 {
			t.Errorf("%s: a valid form call: %d %s", d, resp.StatusCode, resp.body)
		}
	}
	if n := reached.Load(); n != 2*int64(len(errcode.Dialects)) {
		t.Errorf("%d valid calls reached the backend, want %d", n, 2*len(errcode.Dialects))
	}
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestValidateAllocatesNothingWithoutRules: the validate stage of an API
// that declares nothing to check allocates nothing, identity headers
// present or not.
func TestValidateAllocatesNothingWithoutRules(t *testing.T) {
	h := newHarness(t, Config{}, published(jd, model.EnvOnline, &model.Backend{Type: model.BackendMock},
		api("plain", "GET", "/users/{id}", model.MatchAbsolute, "")))
	env, _ := h.holder.Load().Env(jd.ID, model.EnvOnline)
	m, ok := env.Match("GET", "/users/42", nil)
	if !ok || m.Value.Validator != nil {
		t.Fatalf("match %v, validator %v: want the API, without a validator", ok, m.Value.Validator)
	}
	req := h.request("GET", "g-abc123.localhost", "/users/42?x=1", nil)
	req.Header.Set("X-Jdcloud-Pin", "acme")
	c := &Call{R: req, API: m.Value, Match: m}
	if n := testing.AllocsPerRun(100, func() {
		if err := h.gw.validate(c); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("validate allocated %v times per call, want 0", n)
	}
}

// BenchmarkPipelineValidated is BenchmarkPipeline for a POST whose path
// parameter, 3 query parameters and small JSON body are validated.
func BenchmarkPipelineValidated(b *testing.B) {
	a := api("items", "POST", "/items/{id}", model.MatchAbsolute, "/v2/items/{id}")
	a.Params = []model.Param{
		{Name: "id", In: model.InPath, Type: model.TypeInteger, Required: true},
		{Name: "limit", In: model.InQuery, Type: model.TypeInteger, Required: true,
			ParamRules: model.ParamRules{Minimum: ptr(1.0), Maximum: ptr(100.0)}},
		{Name: "sort", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Enum: []model.Scalar{"asc", "desc"}}},
		{Name: "day", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Format: "date"}},
	}
	a.Body = &model.BodyRules{Required: true, Schema: json.RawMessage(`{"type":"object","required":["name"],
		"properties":{"name":{"type":"string","maxLength":32},"age":{"type":"integer","minimum":0}}}`)}
	h := newHarness(b, Config{MaxInFlight: 10000, MaxBodyBytes: 1 << 20},
		published(jd, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`}, a))
	const body = `{"name":"kit","age":3}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "http://g-abc123.localhost/items/42?limit=10&sort=asc&day=2024-02-29", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.gw.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d %s", w.Code, w.Body)
		}
	}
}

package validate

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

func ptr[T any](v T) *T { return &v }

func testAPI() *model.API {
	return &model.API{
		Path: "/items/{id}",
		Params: []model.Param{
			{Name: "id", In: model.InPath, Type: model.TypeInteger, Required: true},
			{Name: "limit", In: model.InQuery, Type: model.TypeInteger, Required: true,
				ParamRules: model.ParamRules{Minimum: ptr(1.0), Maximum: ptr(100.0)}},
			{Name: "tag", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{Pattern: "^[a-z]+$"}},
			{Name: "n", In: model.InForm, Type: model.TypeNumber, ParamRules: model.ParamRules{Enum: []model.Scalar{"1", "2.5"}}},
		},
		APIRules: model.APIRules{Strict: true, Body: &model.BodyRules{Schema: json.RawMessage(`{
			"type": "object",
			"required": ["zeta", "alpha"],
			"properties": {
				"zeta": {"type": "integer"},
				"alpha": {"type": "integer"},
				"list": {"type": "array", "items": {"type": "string", "format": "byte"}}
			}
		}`)}},
	}
}

func mustCompile(t testing.TB, a *model.API) *Validator {
	t.Helper()
	v, err := Compile(a, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func check(v *Validator, path, query, body, contentType string) *errcode.Error {
	r := httptest.NewRequest("POST", "/items/"+path+"?"+query, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	err := v.Check(&Request{HTTP: r, PathValues: []string{path},
		Body: func() ([]byte, error) { return []byte(body), nil }})
	if err == nil {
		return nil
	}
	var e *errcode.Error
	if !errors.As(err, &e) {
		panic("not an errcode.Error: " + err.Error())
	}
	return e
}

// TestFirstFailureInDeclarationOrder: of several failures, the one told
// is the first declared: parameters in their order before the body, and
// in the body the property the schema declares first, every time (the
// validator itself reports a body's failures in map order).
func TestFirstFailureInDeclarationOrder(t *testing.T) {
	v := mustCompile(t, testAPI())
	tests := []struct {
		path, query, body string
		cond              *errcode.Condition
		subject           string
	}{
		{"x", "tag=1", `{}`, errcode.ArgumentWrongFormat, "id"},
		{"1", "tag=1", `{}`, errcode.ArgumentMissing, "limit"},
		{"1", "limit=0&tag=1", `{}`, errcode.ArgumentOutOfRange, "limit"},
		{"1", "limit=1&tag=1", `{}`, errcode.ArgumentOutOfRange, "tag"},
		{"1", "limit=1&zz=1&aa=2", `{}`, errcode.ArgumentUnsupported, "aa"},
		{"1", "limit=1", `{}`, errcode.ArgumentMissing, "body#/zeta"},
		{"1", "limit=1", `{"alpha":"a","zeta":"z"}`, errcode.ArgumentWrongFormat, "body#/zeta"},
		{"1", "limit=1", `{"zeta":1}`, errcode.ArgumentMissing, "body#/alpha"},
		{"1", "limit=1", `{"zeta":1,"alpha":2,"list":["aGk=","%%"]}`, errcode.ArgumentBadBase64, "body#/list/1"},
		{"1", "limit=1", `{"zeta":1,"alpha":2}x`, errcode.BodyMalformed, "body"},
	}
	for _, tt := range tests {
		for range 20 {
			e := check(v, tt.path, tt.query, tt.body, "application/json")
			if e == nil || e.Cond != tt.cond || e.Subject != tt.subject {
				t.Fatalf("%s ?%s %s: got %v, want %s about %s", tt.path, tt.query, tt.body, e, tt.cond.Code(), tt.subject)
			}
		}
	}
	if e := check(v, "1", "limit=1", `{"zeta":1,"alpha":2,"list":["aGk="]}`, "application/json"); e != nil {
		t.Errorf("a valid call: %v", e)
	}
}

// TestFormParameters: a form field is read from a form body only, with
// enumerations compared as numbers; an undeclared field of a strict API
// is refused.
func TestFormParameters(t *testing.T) {
	a := testAPI()
	a.Body = nil
	v := mustCompile(t, a)
	form := "application/x-www-form-urlencoded"
	if e := check(v, "1", "limit=1", "n=2.50", form); e != nil {
		t.Errorf("n=2.50 against enum 2.5: %v", e)
	}
	if e := check(v, "1", "limit=1", "n=3", form); e == nil || e.Cond != errcode.ArgumentOutOfRange {
		t.Errorf("n=3: %v", e)
	}
	if e := check(v, "1", "limit=1", "m=3", form); e == nil || e.Cond != errcode.ArgumentUnsupported || e.Subject != "m" {
		t.Errorf("undeclared form field: %v", e)
	}
	if e := check(v, "1", "limit=1", "n=3", "text/plain"); e != nil {
		t.Errorf("a body that is not a form has no form fields: %v", e)
	}
}

// TestNothingToCheck: an API without rules has no validator, so that its
// calls cost nothing.
func TestNothingToCheck(t *testing.T) {
	a := &model.API{Path: "/u/{id}", Params: []model.Param{{Name: "id", In: model.InPath, Type: model.TypeString, Required: true}}}
	if v, err := Compile(a, []string{"id"}); v != nil || err != nil {
		t.Errorf("got %v, %v; want no validator", v, err)
	}
}

// TestSchemaRefused: a schema that does not compile is refused, and one
// that refers to another document is refused without the gateway
// fetching it.
func TestSchemaRefused(t *testing.T) {
	fetched := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fetched = true }))
	defer srv.Close()
	for _, s := range []string{
		`{"type": 5}`,
		`{"minimum": "one"}`,
		`{"pattern": "(("}`,
		`{"$ref": "` + srv.URL + `/schema.json"}`,
		`{"$ref": "#/$defs/missing"}`,
		`{"type": "object"`,
	} {
		if err := CheckSchema([]byte(s)); !errcode.Has(err, errcode.BodySchemaInvalid) {
			t.Errorf("%s: got %v, want body_schema_invalid", s, err)
		}
	}
	if fetched {
		t.Error("compiling a schema fetched a document")
	}
	a := &model.API{Name: "a", Method: "POST", Path: "/a", MatchType: model.MatchAbsolute,
		APIRules: model.APIRules{Body: &model.BodyRules{Schema: json.RawMessage(`{"type": 5}`)}}}
	a.ApplyDefaults()
	if err := a.Validate(); !errcode.Has(err, errcode.BodySchemaInvalid) {
		t.Errorf("model.API.Validate with a bad schema: %v", err)
	}
}

// TestFormatsAreTheModels: the formats checked here are those the model
// accepts.
func TestFormatsAreTheModels(t *testing.T) {
	got := slices.Sorted(maps.Keys(formats))
	want := slices.Sorted(maps.Keys(model.ParamFormats))
	if !slices.Equal(got, want) {
		t.Errorf("formats %v, model.ParamFormats %v", got, want)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		format, good, bad string
	}{
		{"date", "2024-02-29", "2023-02-29"},
		{"date-time", "2024-02-29T10:00:00+08:00", "2024-02-29 10:00"},
		{"email", "a@b.example", "Bob <a@b.example>"},
		{"uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567e89b12d3a456426614174000"},
		{"ipv4", "192.0.2.1", "::1"},
		{"ipv6", "2001:db8::1", "192.0.2.1"},
		{"uri", "https://example.com/x", "/relative"},
		{"byte", "aGk=", "aGk"},
		{"int32", "2147483647", "2147483648"},
	}
	for _, tt := range tests {
		f := formats[tt.format]
		if !f.valid(tt.good) || f.valid(tt.bad) {
			t.Errorf("%s: %q should pass and %q fail", tt.format, tt.good, tt.bad)
		}
	}
}

package model

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TestMappingValidation checks what a mapping may name when its API is
// saved.
func TestMappingValidation(t *testing.T) {
	base := func(ms ...Mapping) API {
		return API{Name: "a", Method: "GET", BackendMethod: "GET", Path: "/u/{id}", MatchType: MatchAbsolute, BackendPath: "/v/{uid}",
			Params:   []Param{{Name: "id", In: InPath, Type: TypeString}, {Name: "q", In: InQuery, Type: TypeString}, {Name: "X-H", In: InHeader, Type: TypeString}},
			APIRules: APIRules{Mappings: ms}}
	}
	path := func(n string) *ParamRef { return &ParamRef{In: InPath, Name: n} }
	for _, tc := range []struct {
		name string
		api  API
		cond *errcode.Condition // nil: valid
	}{
		{"path renamed into the backend path", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}), nil},
		{"constant into the backend path", base(Mapping{To: ParamRef{InPath, "uid"}, Value: "7"}), nil},
		{"header read in another case", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}, Mapping{From: &ParamRef{InHeader, "x-h"}, To: ParamRef{InQuery, "h"}}), nil},
		{"backend variable nobody fills", base(), errcode.PathParamsUndefined},
		{"undeclared source", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}, Mapping{From: &ParamRef{InQuery, "nope"}, To: ParamRef{InHeader, "X-N"}}), errcode.ParamNotDeclared},
		{"source in the wrong place", base(Mapping{From: path("q"), To: ParamRef{InPath, "uid"}}), errcode.ParamNotDeclared},
		{"query into the backend path", base(Mapping{From: &ParamRef{InQuery, "q"}, To: ParamRef{InPath, "uid"}}), errcode.ParamValueInvalid},
		{"to an identity header", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}, Mapping{To: ParamRef{InHeader, "X-JDCloud-Pin"}, Value: "p"}), errcode.ParamValueInvalid},
		{"to Host", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}, Mapping{To: ParamRef{InHeader, "host"}, Value: "evil"}), errcode.ParamValueInvalid},
		{"header constant with CR LF", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}, Mapping{To: ParamRef{InHeader, "X-C"}, Value: "a\r\nX-Evil: 1"}), errcode.ParamValueInvalid},
		{"from a form field", base(Mapping{From: path("id"), To: ParamRef{InPath, "uid"}}, Mapping{From: &ParamRef{InForm, "f"}, To: ParamRef{InQuery, "f"}}), errcode.ParamValueInvalid},
	} {
		err := tc.api.Validate()
		switch {
		case tc.cond == nil && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.cond != nil && !errors.Is(err, tc.cond):
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.cond.Name)
		}
	}
}

// TestResponseSchemaValidation: a response schema must compile, and may
// not make the gateway read a file or fetch a URL.
func TestResponseSchemaValidation(t *testing.T) {
	// A schema file that would compile, were it read.
	local := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(local, []byte(`{"type":"object"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		ok     bool
	}{
		{`{"type":"object","properties":{"a":{"$ref":"#/$defs/n"}},"$defs":{"n":{"type":"integer"}}}`, true},
		{`{"$ref":"file:///etc/passwd"}`, false},
		{`{"$ref":"file://` + filepath.ToSlash(local) + `"}`, false},
		{`{"$ref":"http://127.0.0.1:1/schema.json"}`, false},
		{`{"type":"nonsense"}`, false},
		{`{"pattern":"("}`, false},
	} {
		a := API{Name: "a", Method: "GET", BackendMethod: "GET", Path: "/a", MatchType: MatchAbsolute, BackendPath: "/a",
			APIRules: APIRules{ValidateResponse: true, Responses: []Response{{Status: 200, Schema: json.RawMessage(tc.schema)}}}}
		err := a.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.schema, err)
		}
		if err != nil && !errors.Is(err, errcode.ParamValueInvalid) {
			t.Errorf("%s: %v, want param_value_invalid", tc.schema, err)
		}
	}
}

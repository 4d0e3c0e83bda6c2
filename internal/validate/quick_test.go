package validate

import (
	"bytes"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// quickSchemas are schemas of the quick form, and some that are not.
var quickSchemas = []string{
	`{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":32},"age":{"type":"integer","minimum":0}}}`,
	`{"type":"object","additionalProperties":false,"properties":{"n":{"type":"number","minimum":0.1,"maximum":0.3},"b":{"type":"boolean"},"z":{"type":"null"},"t":true,"f":false}}`,
	`{"properties":{"s":{"minLength":2,"maxLength":3}}}`,
	`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"integer","maximum":100}`,
	`true`,
	`false`,
}

// TestQuickSchema: the common schemas take the quick path, which accepts
// the bodies that meet them and leaves every other to the library; other
// schemas do not take it.
func TestQuickSchema(t *testing.T) {
	tests := []struct {
		schema, body string
		quick        bool // the quick path accepts the body
	}{
		{quickSchemas[0], `{"name":"kit","age":3}`, true},
		{quickSchemas[0], `{"name":"kit","age":3.0}`, true},
		{quickSchemas[0], `{"name":"kit","extra":[1,2,{"x":null}]}`, true},
		{quickSchemas[0], `{"age":3}`, false},                                                // required
		{quickSchemas[0], `{"name":"kit","age":-1}`, false},                                  // minimum
		{quickSchemas[0], `{"name":"kit","age":3.5}`, false},                                 // integer
		{quickSchemas[0], `{"name":"kit","age":3.0000000000000001}`, false},                  // 17 digits: the library's to judge
		{quickSchemas[0], `{"name":"kit","age":3e0}`, false},                                 // an exponent: the library's
		{quickSchemas[0], `{"name":"` + string(bytes.Repeat([]byte("é"), 33)) + `"}`, false}, // 33 characters
		{quickSchemas[0], `{"name":"` + string(bytes.Repeat([]byte("é"), 32)) + `"}`, true},  // 32 characters, 64 bytes
		{quickSchemas[0], `[]`, false},
		{quickSchemas[0], `{"name":"kit"`, false},
		{quickSchemas[1], `{"n":0.1,"b":true,"z":null,"t":{"any":1}}`, true},
		{quickSchemas[1], `{"n":0.30000000000000001}`, false},
		{quickSchemas[1], `{"n":0.31}`, false},
		{quickSchemas[1], `{"f":1}`, false},
		{quickSchemas[1], `{"other":1}`, false},
		{quickSchemas[2], `{"s":"ab"}`, true},
		{quickSchemas[2], `{"s":5}`, true},
		{quickSchemas[2], `{"s":"a"}`, false},
		{quickSchemas[3], `100`, true},
		{quickSchemas[3], `101`, false},
		{quickSchemas[4], `{"x":1}`, true},
		{quickSchemas[5], `{}`, false},
	}
	for _, tt := range tests {
		q := compileQuick([]byte(tt.schema))
		if q == nil {
			t.Fatalf("schema %s: no quick form", tt.schema)
		}
		if got := q.accepts([]byte(tt.body)); got != tt.quick {
			t.Errorf("schema %s, body %s: quick accepts %v, want %v", tt.schema, tt.body, got, tt.quick)
		}
		if got := libraryAccepts(t, tt.schema, tt.body); tt.quick && !got {
			t.Errorf("schema %s, body %s: the quick path accepts what the library refuses", tt.schema, tt.body)
		}
	}
	for _, schema := range []string{
		`{"type":"string","pattern":"^a"}`,
		`{"type":"array"}`,
		`{"enum":[1,2]}`,
		`{"type":["string","null"]}`,
		`{"properties":{"d":{"type":"string","format":"date"}}}`,
		`{"type":"number","minimum":1e3}`,
		`{"type":"number","maximum":0.30000000000000001}`,
		`{"$schema":"http://json-schema.org/draft-04/schema#","maximum":3}`,
		`{"additionalProperties":{"type":"string"}}`,
	} {
		if compileQuick([]byte(schema)) != nil {
			t.Errorf("schema %s has a quick form; it uses more than the quick path checks", schema)
		}
	}
}

// libraryAccepts judges body against schema with the library alone.
func libraryAccepts(t testing.TB, schema, body string) bool {
	s, err := model.CompileSchema([]byte(schema))
	if err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(body)))
	return err == nil && s.Validate(inst) == nil
}

// FuzzQuickAgrees: the quick path never accepts a body the library
// refuses, for any schema of the quick form and any body.
func FuzzQuickAgrees(f *testing.F) {
	for _, s := range quickSchemas {
		f.Add(s, `{"name":"kit","age":3}`)
		f.Add(s, `{"n":0.2,"s":"abc"}`)
		f.Add(s, `7`)
	}
	f.Fuzz(func(t *testing.T, schema, body string) {
		q := compileQuick([]byte(schema))
		if q == nil {
			return
		}
		if _, err := model.CompileSchema([]byte(schema)); err != nil {
			return
		}
		if q.accepts([]byte(body)) && !libraryAccepts(t, schema, body) {
			t.Fatalf("schema %s, body %s: the quick path accepts what the library refuses", schema, body)
		}
	})
}

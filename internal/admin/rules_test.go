package admin

import (
	"strings"
	"testing"
)

// TestAPIRulesSaved: an API's parameter rules, strict flag and body schema
// are taken by POST and PATCH and read back; rules that cannot be used are
// refused when saved, with nothing stored: a body schema that does not
// compile (one that refers to another document included, which the
// gateway would never fetch), a pattern that does not compile, a minimum
// above the maximum, an enumeration of values not of the type, an unknown
// format, and form and cookie parameters with unusable names.
func TestAPIRulesSaved(t *testing.T) {
	hs := newHarness(t)
	g := "/v1/groups/" + hs.must("POST", "/v1/groups", `{"name":"shop"}`, 201).str("groupId")
	good := `{"name":"items","method":"POST","path":"/items/{id}","strict":true,
		"params":[{"name":"id","in":"path","type":"integer","minimum":1},
			{"name":"tag","in":"query","pattern":"^[a-z]+$","maxLength":8},
			{"name":"n","in":"form","type":"number","enum":[1,2.5]},
			{"name":"session","in":"cookie","format":"uuid"}],
		"body":{"schema":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}}}`
	r := hs.must("POST", g+"/apis", good, 201)
	id := r.str("apiId")
	got := hs.must("GET", g+"/apis/"+id, "", 200).raw
	for _, want := range []string{`"strict":true`, `"pattern":"^[a-z]+$"`, `"in":"form"`, `"in":"cookie"`, `"format":"uuid"`, `"required":["name"]`} {
		if !strings.Contains(got, want) {
			t.Errorf("GET after POST: %s lacks %s", got, want)
		}
	}
	tests := []struct {
		name, body, status string
	}{
		{"schema_not_compiling", `{"body":{"schema":{"type":5}}}`, "APIGATEWAY_API_BODY_ERROR"},
		{"schema_remote_ref", `{"body":{"schema":{"$ref":"http://192.0.2.1/s.json"}}}`, "APIGATEWAY_API_BODY_ERROR"},
		{"pattern_not_compiling", `{"params":[{"name":"q","in":"query","pattern":"(("}]}`, "APIGW_PARAM_VALUE_INVALID"},
		{"minimum_above_maximum", `{"params":[{"name":"q","in":"query","type":"integer","minimum":5,"maximum":1}]}`, "FAILED_PRECONDITION"},
		{"min_length_above_max", `{"params":[{"name":"q","in":"query","minLength":5,"maxLength":1}]}`, "FAILED_PRECONDITION"},
		{"enum_not_of_type", `{"params":[{"name":"q","in":"query","type":"integer","enum":["one"]}]}`, "APIGW_PARAM_VALUE_INVALID"},
		{"unknown_format", `{"params":[{"name":"q","in":"query","format":"colour"}]}`, "APIGW_PARAM_VALUE_INVALID"},
		{"format_of_other_type", `{"params":[{"name":"q","in":"query","type":"boolean","format":"date"}]}`, "APIGW_PARAM_VALUE_INVALID"},
		{"range_on_string", `{"params":[{"name":"q","in":"query","minimum":1}]}`, "APIGW_PARAM_VALUE_INVALID"},
		{"cookie_name", `{"params":[{"name":"a b","in":"cookie"}]}`, "APIGW_PARAM_VALUE_INVALID"},
		{"form_name", `{"params":[{"name":"a&b","in":"form"}]}`, "APIGW_PARAM_VALUE_INVALID"},
	}
	for _, tt := range tests {
		before := hs.state()
		create := `{"name":"x` + tt.name[:3] + `","method":"GET","path":"/x",` + strings.TrimPrefix(tt.body, "{")
		if r := hs.do("POST", g+"/apis", create); r.status < 400 || r.errStatus() != tt.status {
			t.Errorf("%s: POST got %d %s, want %s", tt.name, r.status, r.raw, tt.status)
		}
		if r := hs.do("PATCH", g+"/apis/"+id, tt.body); r.status < 400 || r.errStatus() != tt.status {
			t.Errorf("%s: PATCH got %d %s, want %s", tt.name, r.status, r.raw, tt.status)
		}
		if hs.state() != before {
			t.Errorf("%s: a refused change changed the store", tt.name)
		}
	}
}

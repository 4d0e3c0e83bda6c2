package validate

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// FuzzValidator sends random path values, queries, form and JSON bodies
// to a compiled validator: it must never panic, and what it returns is a
// refusal of the validate stage's conditions or nothing.
func FuzzValidator(f *testing.F) {
	f.Add("1", "limit=5&tag=abc", `{"zeta":1,"alpha":2,"list":["aGk="]}`, "application/json")
	f.Add("x%zz", "limit=%ff&tag=", `{"zeta":1e999}`, "application/json")
	f.Add("1", "limit=1", "n=2.5&n=x", "application/x-www-form-urlencoded")
	f.Add("1", "a;b=c", `[[[[[[[[{}]]]]]]]]`, "application/json; charset=utf-8")
	f.Add("-0", "limit=-0", `{"list":[null,1,"\ud800"]}`, "")
	v := mustCompile(f, testAPI())
	allowed := map[*errcode.Condition]bool{
		errcode.ArgumentMissing: true, errcode.ArgumentWrongFormat: true, errcode.ArgumentOutOfRange: true,
		errcode.ArgumentUnsupported: true, errcode.ArgumentBadBase64: true, errcode.BodyMalformed: true,
		errcode.InvalidArgument: true,
	}
	f.Fuzz(func(t *testing.T, path, query, body, contentType string) {
		r := httptest.NewRequest("POST", "/items/1", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", contentType)
		err := v.Check(&Request{HTTP: r, PathValues: []string{path},
			Body: func() ([]byte, error) { return []byte(body), nil }})
		if err == nil {
			return
		}
		if e := errcode.From(err); !allowed[e.Cond] {
			t.Fatalf("unexpected refusal %v", err)
		}
	})
}

package admin

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		cond    *errcode.Condition // nil: accepted
		subject string
	}{
		{"all fields", `{"name":"a","method":"GET","path":"/a","params":[{"name":"q","in":"query","default":1}]}`, nil, ""},
		{"null is absent", `{"name":null,"params":null}`, nil, ""},
		{"whitespace around", " \n{}\n ", nil, ""},
		{"unknown top-level", `{"nme":"a"}`, errcode.ArgumentNotSupport, "nme"},
		{"unknown in the second param", `{"params":[{"name":"a"},{"name":"b","kind":"x"}]}`, errcode.ArgumentNotSupport, "params[1].kind"},
		{"first unknown in sorted order", `{"zz":1,"aa":2}`, errcode.ArgumentNotSupport, "aa"},
		{"case differs", `{"Name":"a"}`, errcode.ArgumentNotSupport, "Name"},
		{"string for a list", `{"params":"x"}`, errcode.ParamValueInvalid, "params"},
		{"number for a string", `{"path":1}`, errcode.ParamValueInvalid, "path"},
		{"string for a boolean", `{"params":[{"required":"yes"}]}`, errcode.ParamValueInvalid, "params.required"},
		{"object for a default", `{"params":[{"default":{}}]}`, errcode.ParamValueInvalid, "params.default"},
		{"syntax", `{"name":}`, errcode.ParamValueInvalid, ""},
		{"array", `[]`, errcode.ParamValueInvalid, ""},
		{"two objects", `{}{}`, errcode.ParamValueInvalid, ""},
		{"empty", ``, errcode.ParamValueInvalid, ""},
		{"too big", `{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, errcode.ParamValueInvalid, ""},
		// A key given twice: encoding/json keeps the last, a proxy or a
		// log in front of the API may read the first.
		{"duplicate key", `{"name":"a","method":"GET","name":"b"}`, errcode.ParamValueInvalid, "name"},
		{"duplicate key, other case", `{"name":"a","Name":"b"}`, errcode.ParamValueInvalid, "Name"},
		{"duplicate key, long s", `{"description":"a","de\u017Fcription":"b"}`, errcode.ParamValueInvalid, "de\u017Fcription"},
		{"duplicate key in a nested object", `{"params":[{"name":"a"},{"name":"b","in":"query","name":"c"}]}`, errcode.ParamValueInvalid, "params[1].name"},
		{"same key in two objects", `{"params":[{"name":"a"},{"name":"b"}]}`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			var dst apiRequest
			err := decode(httptest.NewRecorder(), req, &dst)
			if tt.cond == nil {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			if !errcode.Has(err, tt.cond) {
				t.Fatalf("got error %v, want %s", err, tt.cond.Name)
			}
			if got := errcode.From(err).Subject; got != tt.subject {
				t.Errorf("got subject %q, want %q", got, tt.subject)
			}
		})
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	hs := newHarness(t)
	s := &server{store: hs.store, log: slog.New(slog.DiscardHandler)}
	h := s.edge(route{scope: scopePublic, h: func(http.ResponseWriter, *http.Request) error { panic("boom") }})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"status":"INTERNAL"`) {
		t.Errorf("got %d %s, want 500 INTERNAL", rec.Code, rec.Body.String())
	}
}

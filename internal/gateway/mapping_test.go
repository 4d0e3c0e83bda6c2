package gateway

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// mappedAPI declares a path variable, a query parameter and a header,
// and maps them for the backend: the path's id renamed to the backend's
// {bid} and copied to the query as itemId and to the header X-Item;
// the query's name moved to the header X-Name; the header X-Old moved to
// the query as old; and two constants, tenant=acme in the query and
// X-Const: fixed in the headers.
func mappedAPI() model.API {
	a := api("mapped", "GET", "/m/{id}", model.MatchAbsolute, "/backend/{bid}")
	a.Params = []model.Param{
		{Name: "id", In: model.InPath, Type: model.TypeString},
		{Name: "name", In: model.InQuery, Type: model.TypeString},
		{Name: "X-Old", In: model.InHeader, Type: model.TypeString},
	}
	a.Mappings = []model.Mapping{
		{From: &model.ParamRef{In: model.InPath, Name: "id"}, To: model.ParamRef{In: model.InPath, Name: "bid"}},
		{From: &model.ParamRef{In: model.InPath, Name: "id"}, To: model.ParamRef{In: model.InQuery, Name: "itemId"}},
		{From: &model.ParamRef{In: model.InPath, Name: "id"}, To: model.ParamRef{In: model.InHeader, Name: "X-Item"}},
		{From: &model.ParamRef{In: model.InQuery, Name: "name"}, To: model.ParamRef{In: model.InHeader, Name: "X-Name"}},
		{From: &model.ParamRef{In: model.InHeader, Name: "X-Old"}, To: model.ParamRef{In: model.InQuery, Name: "old"}},
		{To: model.ParamRef{In: model.InQuery, Name: "tenant"}, Value: "acme"},
		{To: model.ParamRef{In: model.InHeader, Name: "X-Const"}, Value: "fixed"},
	}
	return a
}

type mappedSeen struct {
	URI    string      `json:"uri"`
	Header http.Header `json:"header"`
}

// TestMappings checks what the backend receives from a mapped API, and
// that a client cannot put its own value beside a mapped one.
func TestMappings(t *testing.T) {
	b := newRulesBackend(t)
	a := mappedAPI()
	v := a
	v.BackendMethod = "GET"
	if err := v.Validate(); err != nil {
		t.Fatalf("the mapped API does not validate: %v", err)
	}
	h := newHarness(t, Config{}, published(group("mp", errcode.DialectJDCloud, errcode.English), model.EnvOnline, httpBackend(5000, b.URL), a))

	req := h.request("GET", "mp.localhost", "/m/a%20b?name=N%C3%BCm&keep=1&tenant=evil", nil)
	req.Header.Set("X-Old", "old value")
	req.Header.Set("X-Const", "spoofed")
	req.Header["X_const"] = []string{"spoofed-cgi"} // one name to a CGI-style backend
	resp := h.do(req)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.body)
	}
	var seen mappedSeen
	if err := json.Unmarshal(resp.body, &seen); err != nil {
		t.Fatal(err)
	}
	if want := "/backend/a%20b?keep=1&itemId=a+b&old=old+value&tenant=acme"; seen.URI != want {
		t.Errorf("backend request URI %q, want %q", seen.URI, want)
	}
	for k, want := range map[string][]string{
		"X-Item": {"a b"}, "X-Name": {"Nüm"}, "X-Const": {"fixed"}, "X-Old": nil, "X_const": nil,
	} {
		if got := seen.Header[k]; len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) {
			t.Errorf("backend header %s = %q, want %q", k, got, want)
		}
	}

	// Absent sources move nothing; constants are still written.
	resp = h.do(h.request("GET", "mp.localhost", "/m/7", nil))
	seen = mappedSeen{}
	json.Unmarshal(resp.body, &seen)
	if want := "/backend/7?itemId=7&tenant=acme"; seen.URI != want {
		t.Errorf("without query and header: URI %q, want %q", seen.URI, want)
	}
	if _, ok := seen.Header["X-Name"]; ok {
		t.Errorf("X-Name written without its source: %q", seen.Header["X-Name"])
	}
}

// TestMappingHeaderInjection: a path value holding an escaped CR LF,
// mapped to a header, is refused and never reaches the backend.
func TestMappingHeaderInjection(t *testing.T) {
	b := newRulesBackend(t)
	h := newHarness(t, Config{}, published(group("mp", errcode.DialectZenith, errcode.English), model.EnvOnline, httpBackend(5000, b.URL), mappedAPI()))
	resp := h.do(h.request("GET", "mp.localhost", "/m/x%0D%0AX-Jdcloud-Pin:%20admin", nil))
	checkRefusal(t, "CR LF mapped to a header", resp, errcode.ArgumentWrongFormat, errcode.DialectZenith, errcode.English)
	if n := b.calls.Load(); n != 0 {
		t.Errorf("the backend got %d calls", n)
	}
}

package model

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// checkErr reports whether err is of cond about subject; a nil cond wants
// no error.
func checkErr(t *testing.T, what string, err error, cond *errcode.Condition, subject string) {
	t.Helper()
	if cond == nil {
		if err != nil {
			t.Errorf("%s: got error %v, want none", what, err)
		}
		return
	}
	if !errcode.Has(err, cond) {
		t.Errorf("%s: got error %v, want %s", what, err, cond.Name)
		return
	}
	if got := errcode.From(err).Subject; got != subject {
		t.Errorf("%s: got subject %q, want %q", what, got, subject)
	}
}

func TestGroupValidate(t *testing.T) {
	tests := []struct {
		name    string
		g       Group
		cond    *errcode.Condition
		subject string
	}{
		{"defaults", Group{Name: "shop"}, nil, ""},
		{"chinese name", Group{Name: "订单_服务-1"}, nil, ""},
		{"64 runes", Group{Name: strings.Repeat("订", 64)}, nil, ""},
		{"no name", Group{}, errcode.ArgumentNotFound, "name"},
		{"65 runes", Group{Name: strings.Repeat("a", 65)}, errcode.ParamValueInvalid, "name"},
		{"space", Group{Name: "a b"}, errcode.ParamValueInvalid, "name"},
		{"dot", Group{Name: "a.b"}, errcode.ParamValueInvalid, "name"},
		{"dialect", Group{Name: "a", Dialect: "soap"}, errcode.ParamValueInvalid, "dialect"},
		{"market", Group{Name: "a", Dialect: errcode.DialectMarket}, nil, ""},
		{"language", Group{Name: "a", Language: "fr"}, errcode.ParamValueInvalid, "language"},
		{"zh", Group{Name: "a", Language: errcode.Chinese}, nil, ""},
		{"description control", Group{Name: "a", Description: "x\x01"}, errcode.ParamValueInvalid, "description"},
		{"description long", Group{Name: "a", Description: strings.Repeat("x", 1025)}, errcode.ParamValueInvalid, "description"},
	}
	for _, tt := range tests {
		g := tt.g
		g.ApplyDefaults()
		checkErr(t, tt.name, g.Validate(), tt.cond, tt.subject)
	}
}

func TestValidateRevision(t *testing.T) {
	tests := []struct {
		rev  string
		cond *errcode.Condition
	}{
		{"1.0.0", nil},
		{"10.200.3000", nil},
		{"123456789.0.0", nil},
		{"", errcode.ArgumentNotFound},
		{"1.0", errcode.ParamValueInvalid},
		{"1.0.0.0", errcode.ParamValueInvalid},
		{"1..0", errcode.ParamValueInvalid},
		{".1.0", errcode.ParamValueInvalid},
		{"1.0.", errcode.ParamValueInvalid},
		{"v1.0.0", errcode.ParamValueInvalid},
		{"1.0.0-beta", errcode.ParamValueInvalid},
		{"1234567890.0.0", errcode.ParamValueInvalid},
	}
	for _, tt := range tests {
		checkErr(t, "ValidateRevision("+tt.rev+")", ValidateRevision(tt.rev), tt.cond, "revision")
	}
}

func TestAPIValidate(t *testing.T) {
	id := Param{Name: "id", In: InPath, Type: TypeInteger}
	tests := []struct {
		name    string
		a       API
		cond    *errcode.Condition
		subject string
	}{
		{"minimal", API{Name: "list", Method: "GET", Path: "/users"}, nil, ""},
		{"lower-case method", API{Name: "list", Method: "get", Path: "/users"}, nil, ""},
		{"any", API{Name: "list", Method: "ANY", Path: "/users", MatchType: MatchPrefix}, nil, ""},
		{"path var", API{Name: "get", Method: "GET", Path: "/users/{id}", Params: []Param{id}}, nil, ""},
		{"backend var", API{Name: "get", Method: "GET", Path: "/users/{id}", Params: []Param{id}, BackendPath: "/v2/u/{id}"}, nil, ""},
		{"query and header", API{Name: "q", Method: "GET", Path: "/q", Params: []Param{
			{Name: "limit", In: InQuery, Type: TypeInteger, Default: "10"},
			{Name: "ratio", In: InQuery, Type: TypeNumber, Default: "0.5"},
			{Name: "X-Flag", In: InHeader, Type: TypeBoolean, Default: "true"},
		}}, nil, ""},
		{"no name", API{Method: "GET", Path: "/x"}, errcode.ArgumentNotFound, "name"},
		{"no method", API{Name: "a", Path: "/x"}, errcode.ArgumentNotFound, "method"},
		{"bad method", API{Name: "a", Method: "FETCH", Path: "/x"}, errcode.ParamValueInvalid, "method"},
		{"no path", API{Name: "a", Method: "GET"}, errcode.ArgumentNotFound, "path"},
		{"bad path", API{Name: "a", Method: "GET", Path: "x"}, errcode.ParamValueInvalid, "path"},
		{"bad match", API{Name: "a", Method: "GET", Path: "/x", MatchType: "regex"}, errcode.ParamValueInvalid, "matchType"},
		{"undeclared var", API{Name: "a", Method: "GET", Path: "/u/{id}"}, errcode.PathParamsUndefined, "id"},
		{"var declared in query", API{Name: "a", Method: "GET", Path: "/u/{id}", Params: []Param{{Name: "id", In: InQuery}}}, errcode.PathParamsUndefined, "id"},
		{"undeclared backend var", API{Name: "a", Method: "GET", Path: "/u/{id}", Params: []Param{id}, BackendPath: "/u/{uid}"}, errcode.PathParamsUndefined, "uid"},
		{"bad backend path", API{Name: "a", Method: "GET", Path: "/u", BackendPath: "u"}, errcode.ParamValueInvalid, "backendPath"},
		{"bad backend method", API{Name: "a", Method: "GET", Path: "/u", BackendMethod: "x"}, errcode.ParamValueInvalid, "backendMethod"},
		{"path param not in path", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{id}}, errcode.ParamValueInvalid, "params[0].name"},
		{"param no name", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{In: InQuery}}}, errcode.ArgumentNotFound, "params[0].name"},
		{"param no in", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "q"}}}, errcode.ArgumentNotFound, "params[0].in"},
		{"param bad in", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "q", In: "body"}}}, errcode.ParamValueInvalid, "params[0].in"},
		{"param bad type", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "q", In: InQuery, Type: "date"}}}, errcode.ParamValueInvalid, "params[0].type"},
		{"integer default", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "q", In: InQuery, Type: TypeInteger, Default: "1.5"}}}, errcode.ParamValueInvalid, "params[0].default"},
		{"number default", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "q", In: InQuery, Type: TypeNumber, Default: "NaN"}}}, errcode.ParamValueInvalid, "params[0].default"},
		{"boolean default", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "q", In: InQuery, Type: TypeBoolean, Default: "yes"}}}, errcode.ParamValueInvalid, "params[0].default"},
		{"bad header name", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "X Y", In: InHeader}}}, errcode.ParamValueInvalid, "params[0].name"},
		{"duplicate header", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "x-a", In: InHeader}, {Name: "X-A", In: InHeader}}}, errcode.ParamValueInvalid, "params[1].name"},
		{"same name other place", API{Name: "a", Method: "GET", Path: "/u", Params: []Param{{Name: "a", In: InHeader}, {Name: "a", In: InQuery}}}, nil, ""},
	}
	for _, tt := range tests {
		a := tt.a
		a.ApplyDefaults()
		checkErr(t, tt.name, a.Validate(), tt.cond, tt.subject)
	}
}

func TestAPIApplyDefaults(t *testing.T) {
	a := API{Name: "a", Method: "post", Path: "/u/{id}", Params: []Param{{Name: "id", In: InPath}}}
	a.ApplyDefaults()
	if a.MatchType != MatchAbsolute || a.BackendPath != "/u/{id}" || a.BackendMethod != "POST" || a.Method != "POST" {
		t.Errorf("ApplyDefaults: got matchType %q backendPath %q method %q backendMethod %q", a.MatchType, a.BackendPath, a.Method, a.BackendMethod)
	}
	if p := a.Params[0]; p.Type != TypeString || !p.Required {
		t.Errorf("ApplyDefaults: got path param type %q required %v, want string, true", p.Type, p.Required)
	}
}

func TestBackendValidate(t *testing.T) {
	tests := []struct {
		name    string
		b       Backend
		cond    *errcode.Condition
		subject string
	}{
		{"http", Backend{Type: BackendHTTP, URLs: []string{"http://127.0.0.1:8081", "https://api.example.com/base"}}, nil, ""},
		{"mock", Backend{Type: BackendMock, Body: `{"ok":true}`, Headers: map[string]string{"Content-Type": "application/json"}}, nil, ""},
		{"no environment", Backend{Type: BackendMock}, errcode.ArgumentNotFound, "environment"},
		{"bad environment", Backend{Environment: "prod", Type: BackendMock}, errcode.ParamValueInvalid, "environment"},
		{"no type", Backend{}, errcode.ArgumentNotFound, "type"},
		{"bad type", Backend{Type: "grpc"}, errcode.ParamValueInvalid, "type"},
		{"no urls", Backend{Type: BackendHTTP}, errcode.ArgumentNotFound, "urls"},
		{"17 urls", Backend{Type: BackendHTTP, URLs: manyURLs(17)}, errcode.ParamValueInvalid, "urls"},
		{"relative url", Backend{Type: BackendHTTP, URLs: []string{"/x"}}, errcode.ParamValueInvalid, "urls[0]"},
		{"ftp url", Backend{Type: BackendHTTP, URLs: []string{"ftp://a"}}, errcode.ParamValueInvalid, "urls[0]"},
		{"credentials", Backend{Type: BackendHTTP, URLs: []string{"http://u:p@a"}}, errcode.ParamValueInvalid, "urls[0]"},
		{"query", Backend{Type: BackendHTTP, URLs: []string{"http://a/?x=1"}}, errcode.ParamValueInvalid, "urls[0]"},
		{"bad port", Backend{Type: BackendHTTP, URLs: []string{"http://a:99999"}}, errcode.ParamValueInvalid, "urls[0]"},
		{"duplicate", Backend{Type: BackendHTTP, URLs: []string{"http://a", "http://a"}}, errcode.ParamValueInvalid, "urls[1]"},
		{"timeout high", Backend{Type: BackendHTTP, URLs: []string{"http://a"}, TimeoutMs: 300001}, errcode.ParamValueInvalid, "timeoutMs"},
		{"timeout negative", Backend{Type: BackendHTTP, URLs: []string{"http://a"}, TimeoutMs: -1}, errcode.ParamValueInvalid, "timeoutMs"},
		{"status on http", Backend{Type: BackendHTTP, URLs: []string{"http://a"}, Status: 200}, errcode.ArgumentNotSupport, "status"},
		{"urls on mock", Backend{Type: BackendMock, URLs: []string{"http://a"}}, errcode.ArgumentNotSupport, "urls"},
		{"status low", Backend{Type: BackendMock, Status: 99}, errcode.ParamValueInvalid, "status"},
		{"status high", Backend{Type: BackendMock, Status: 600}, errcode.ParamValueInvalid, "status"},
		{"body too big", Backend{Type: BackendMock, Body: strings.Repeat("x", MaxMockBody+1)}, errcode.ParamValueInvalid, "body"},
		{"header name", Backend{Type: BackendMock, Headers: map[string]string{"a b": "x"}}, errcode.ParamValueInvalid, "headers.a b"},
		{"header value", Backend{Type: BackendMock, Headers: map[string]string{"X-A": "x\r\nY: z"}}, errcode.ParamValueInvalid, "headers.X-A"},
		{"framing header", Backend{Type: BackendMock, Headers: map[string]string{"content-length": "3"}}, errcode.ParamValueInvalid, "headers.content-length"},
	}
	for _, tt := range tests {
		b := tt.b
		if tt.name != "no environment" && b.Environment == "" {
			b.Environment = EnvTest
		}
		b.ApplyDefaults()
		checkErr(t, tt.name, b.Validate(), tt.cond, tt.subject)
	}
}

func TestBackendApplyDefaults(t *testing.T) {
	h := Backend{Type: BackendHTTP}
	h.ApplyDefaults()
	m := Backend{Type: BackendMock}
	m.ApplyDefaults()
	if h.TimeoutMs != DefaultTimeoutMs || h.Status != 0 || m.Status != 200 || m.TimeoutMs != 0 {
		t.Errorf("ApplyDefaults: got http timeout %d status %d, mock status %d timeout %d", h.TimeoutMs, h.Status, m.Status, m.TimeoutMs)
	}
}

func TestScalarUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    Scalar
		wantErr bool
	}{
		{`"10"`, "10", false},
		{`10`, "10", false},
		{`1.5`, "1.5", false},
		{`true`, "true", false},
		{`null`, "", false},
		{`{}`, "", true},
		{`[1]`, "", true},
	}
	for _, tt := range tests {
		var p Param
		err := json.Unmarshal([]byte(`{"default":`+tt.in+`}`), &p)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal default %s: got error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			_ = err.Error() // must not panic
			continue
		}
		if p.Default != tt.want {
			t.Errorf("Unmarshal default %s: got %q, want %q", tt.in, p.Default, tt.want)
		}
	}
}

// manyURLs returns n distinct backend URLs.
func manyURLs(n int) []string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = "http://10.0.0." + strconv.Itoa(i+1)
	}
	return urls
}

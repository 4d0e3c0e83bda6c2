package snapshot

import (
	"errors"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

func pub(group string, env model.Environment, backend *model.Backend, apis ...model.API) model.Published {
	return model.Published{
		Group:       model.Group{ID: group, Dialect: errcode.DialectMarket},
		Environment: env,
		Revision:    model.Revision{GroupID: group, Revision: "1.0.0", APIs: apis},
		Backend:     backend,
	}
}

func api(id, method, path, match, backendPath string) model.API {
	return model.API{ID: id, Name: id, Method: method, Path: path, MatchType: match, BackendPath: backendPath}
}

func httpBackend(urls ...string) *model.Backend {
	return &model.Backend{Type: model.BackendHTTP, URLs: urls, TimeoutMs: 1000}
}

func testPubs() []model.Published {
	return []model.Published{
		pub("g-abc123", model.EnvOnline, httpBackend("http://127.0.0.1:1"),
			api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}"),
			api("files", "ANY", "/files", model.MatchPrefix, "/storage"),
			api("echo", "POST", "/echo", model.MatchAbsolute, ""),
			api("static", "get", "/static", model.MatchAbsolute, "/s/index.html")),
		pub("g-abc123", model.EnvTest, &model.Backend{Type: model.BackendMock, Status: 201, Body: "{}"},
			api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}")),
		pub("g-test", model.EnvOnline, nil, api("root", "GET", "/", model.MatchAbsolute, "")),
	}
}

func TestResolve(t *testing.T) {
	s, err := Compile(testPubs(), "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host  string
		group string
		env   model.Environment
	}{
		{"g-abc123.localhost:8080", "g-abc123", model.EnvOnline},
		{"G-ABC123-TEST.localhost", "g-abc123", model.EnvTest},
		{"g-abc123-preview.localhost", "", ""},
		{"g-test.localhost", "g-test", model.EnvOnline},
		{"nobody.localhost", "", ""},
		{"g-abc123.example.com", "", ""},
	}
	for _, tt := range tests {
		e, ok := s.Resolve(tt.host)
		if tt.group == "" {
			if ok {
				t.Errorf("Resolve(%q) = %s %s, want none", tt.host, e.Group.ID, e.Environment)
			}
			continue
		}
		if !ok || e.Group.ID != tt.group || e.Environment != tt.env {
			t.Errorf("Resolve(%q) = %v, %v; want %s %s", tt.host, e, ok, tt.group, tt.env)
			continue
		}
		if e.Group.Dialect != errcode.DialectMarket || e.Group.Language != errcode.English {
			t.Errorf("Resolve(%q): dialect %q language %q, want market en", tt.host, e.Group.Dialect, e.Group.Language)
		}
	}
	var none *Snapshot
	if _, ok := none.Resolve("g-abc123.localhost"); ok {
		t.Error("nil snapshot resolved a host")
	}
}

func TestMatchAndUpstream(t *testing.T) {
	s, err := Compile(testPubs(), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.Resolve("g-abc123.localhost")
	tests := []struct {
		method, path string
		api          string
		upMethod     string
		upPath       string
	}{
		{"GET", "/users/42", "getUser", "GET", "/v2/people/42"},
		{"DELETE", "/files/a/b.txt", "files", "DELETE", "/storage/a/b.txt"},
		{"GET", "/files", "files", "GET", "/storage"},
		{"POST", "/echo", "echo", "POST", "/echo"},
		{"GET", "/static", "static", "GET", "/s/index.html"},
		{"GET", "/echo", "", "", ""},
	}
	buf := make([]byte, 0, 64)
	for _, tt := range tests {
		m, ok := e.Match(tt.method, tt.path, nil)
		if tt.api == "" {
			if ok {
				t.Errorf("%s %s matched %s, want none", tt.method, tt.path, m.Value.ID)
			}
			continue
		}
		if !ok || m.Value.ID != tt.api {
			t.Errorf("%s %s: matched %v, want %s", tt.method, tt.path, ok, tt.api)
			continue
		}
		a := m.Value
		if got := a.UpstreamMethod(tt.method); got != tt.upMethod {
			t.Errorf("%s %s: upstream method %s, want %s", tt.method, tt.path, got, tt.upMethod)
		}
		if got := a.UpstreamPath(buf, m, tt.path); got != tt.upPath {
			t.Errorf("%s %s: upstream path %q, want %q", tt.method, tt.path, got, tt.upPath)
		}
		if a.Env != e || a.Labels.Group != "g-abc123" || a.Labels.API != tt.api || a.Labels.Environment != "online" {
			t.Errorf("%s %s: env or labels wrong: %+v", tt.method, tt.path, a.Labels)
		}
	}
	if te, _ := s.Env("g-abc123", model.EnvTest); te.Backend == nil || te.Backend.Mock == nil {
		t.Error("test environment: want a mock backend")
	}
	if ge, _ := s.Env("g-test", model.EnvOnline); ge.Backend != nil {
		t.Error("g-test: want no backend")
	}
}

func TestCompileReusesUnchangedPools(t *testing.T) {
	first, err := Compile(testPubs(), "")
	if err != nil {
		t.Fatal(err)
	}
	pool := func(s *Snapshot) any {
		e, _ := s.Env("g-abc123", model.EnvOnline)
		return e.Backend.Pool
	}
	same := testPubs()
	second, err := Options{}.Compile(first, same, model.Callers{})
	if err != nil {
		t.Fatal(err)
	}
	if pool(second) != pool(first) {
		t.Error("unchanged backend: pool not reused")
	}
	changed := testPubs()
	changed[0].Backend = httpBackend("http://127.0.0.1:2")
	third, err := Options{}.Compile(second, changed, model.Callers{})
	if err != nil {
		t.Fatal(err)
	}
	if pool(third) == pool(second) {
		t.Error("changed backend: pool reused")
	}
	headers := testPubs()
	headers[0].Backend.Headers = map[string]string{"X-A": "1"}
	fourth, _ := Options{}.Compile(first, headers, model.Callers{})
	if pool(fourth) == pool(first) {
		t.Error("backend with new headers: pool reused")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		pubs []model.Published
		want *errcode.Condition
	}{
		{"bad template", []model.Published{pub("g1", model.EnvOnline, nil, api("a", "GET", "/a/{", model.MatchAbsolute, ""))}, errcode.ParamValueInvalid},
		{"unknown backend variable", []model.Published{pub("g1", model.EnvOnline, nil, api("a", "GET", "/a/{x}", model.MatchAbsolute, "/b/{y}"))}, errcode.PathParamsUndefined},
		{"same path twice", []model.Published{pub("g1", model.EnvOnline, nil,
			api("a", "GET", "/a/{x}", model.MatchAbsolute, ""), api("b", "GET", "/a/{y}", model.MatchAbsolute, ""))}, errcode.APIPathRepeat},
		{"bad url", []model.Published{pub("g1", model.EnvOnline, httpBackend("ftp://x"))}, errcode.ParamValueInvalid},
		{"published twice", []model.Published{pub("g1", model.EnvOnline, nil), pub("G1", model.EnvOnline, nil)}, errcode.ParamValueInvalid},
		{"no environment", []model.Published{pub("g1", "", nil)}, errcode.ParamValueInvalid},
	}
	for _, tt := range tests {
		s, err := Compile(tt.pubs, "")
		if s != nil || !errcode.Has(err, tt.want) {
			t.Errorf("%s: got %v, %v; want %s", tt.name, s, err, tt.want.Name)
		}
		var e *errcode.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v holds no *errcode.Error", tt.name, err)
		}
	}
}

func TestHolder(t *testing.T) {
	var h Holder
	if h.Load() != nil {
		t.Fatal("zero Holder holds a snapshot")
	}
	if err := h.Update(Options{}, testPubs(), model.Callers{}); err != nil {
		t.Fatal(err)
	}
	first := h.Load()
	if first == nil || first.Len() != 3 {
		t.Fatalf("after Update: %v", first)
	}
	bad := []model.Published{pub("g1", "", nil)}
	if err := h.Update(Options{}, bad, model.Callers{}); err == nil {
		t.Fatal("Update with a bad publication succeeded")
	}
	if h.Load() != first {
		t.Error("a failed Update replaced the snapshot")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if s := h.Load(); s == nil {
					t.Error("Load returned nil during updates")
				}
				h.Update(Options{}, testPubs(), model.Callers{})
			}
		})
	}
	wg.Wait()
}

// TestUpstreamPathJoins: a prefix API's rest is joined to its backend path
// with one slash, whichever side has it: a root prefix over a root
// backend path sent "//a" upstream before.
func TestUpstreamPathJoins(t *testing.T) {
	tests := []struct {
		template, backend, path, want string
	}{
		{"/", "/", "/a", "/a"},
		{"/", "/", "/", "/"},
		{"/", "/base", "/a/b", "/base/a/b"},
		{"/files", "/", "/files/x", "/x"},
		{"/files", "/", "/files", "/"},
		{"/files", "/public", "/files/x", "/public/x"},
		{"/files", "/public/", "/files/x", "/public/x"},
	}
	for _, tt := range tests {
		s, err := Compile([]model.Published{pub("g-join", model.EnvOnline, httpBackend("http://127.0.0.1:1"),
			api("all", "ANY", tt.template, model.MatchPrefix, tt.backend))}, "localhost")
		if err != nil {
			t.Fatal(err)
		}
		e, _ := s.Resolve("g-join.localhost")
		m, ok := e.Match("GET", tt.path, nil)
		if !ok {
			t.Errorf("%s on %s: no match", tt.path, tt.template)
			continue
		}
		if got := m.Value.UpstreamPath(nil, m, tt.path); got != tt.want {
			t.Errorf("%s on prefix %s over %s: upstream %q, want %q", tt.path, tt.template, tt.backend, got, tt.want)
		}
	}
}

package route

import (
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// routeDef is one template added to a test router; the value bound to it is
// its name.
type routeDef struct {
	name, method, path, match string
}

func newRouter(t testing.TB, defs []routeDef) *Router[string] {
	t.Helper()
	r := new(Router[string])
	for _, d := range defs {
		tm, err := ParseTemplate(d.path)
		if err != nil {
			t.Fatalf("ParseTemplate(%q): %v", d.path, err)
		}
		if err := r.Add(d.method, tm, d.match, d.name); err != nil {
			t.Fatalf("Add(%s %s): %v", d.method, d.path, err)
		}
	}
	return r
}

var testRoutes = []routeDef{
	{"root", "GET", "/", model.MatchAbsolute},
	{"users", "GET", "/users", model.MatchAbsolute},
	{"users-slash", "GET", "/users/", model.MatchAbsolute},
	{"user", "GET", "/users/{id}", model.MatchAbsolute},
	{"user-any", "ANY", "/users/{id}", model.MatchAbsolute},
	{"me", "GET", "/users/me", model.MatchAbsolute},
	{"orders", "GET", "/users/{id}/orders/{order}", model.MatchAbsolute},
	{"order-lit", "GET", "/users/{id}/orders/latest", model.MatchAbsolute},
	{"files", "ANY", "/files", model.MatchPrefix},
	{"files-v2", "ANY", "/files/v2", model.MatchPrefix},
	{"static", "GET", "/static/{bucket}", model.MatchPrefix},
	{"deep", "POST", "/a/{x}/c", model.MatchAbsolute},
	{"shallow-lit", "POST", "/a/b", model.MatchPrefix},
}

func TestRouterMatch(t *testing.T) {
	r := newRouter(t, testRoutes)
	tests := []struct {
		method, path string
		want         string // "" = no match
		vals         []string
		rest         string
	}{
		{"GET", "/", "root", nil, ""},
		{"POST", "/", "", nil, ""},
		{"GET", "/users", "users", nil, ""},
		{"GET", "/users/", "users-slash", nil, ""},
		{"GET", "/users/42", "user", []string{"42"}, ""},
		{"DELETE", "/users/42", "user-any", []string{"42"}, ""},
		{"GET", "/users/me", "me", nil, ""},
		{"DELETE", "/users/me", "user-any", []string{"me"}, ""},
		{"GET", "/users/42/orders/7", "orders", []string{"42", "7"}, ""},
		{"GET", "/users/42/orders/latest", "order-lit", []string{"42"}, ""},
		{"GET", "/users/me/orders/7", "orders", []string{"me", "7"}, ""},
		{"GET", "/users/42/orders", "", nil, ""},
		{"GET", "/users/a%2Fb", "user", []string{"a%2Fb"}, ""},
		{"GET", "/users//orders/7", "", nil, ""},
		{"GET", "/files", "files", nil, ""},
		{"PUT", "/files/x/y.txt", "files", nil, "/x/y.txt"},
		{"PUT", "/files/", "files", nil, "/"},
		{"GET", "/files/v2/x", "files-v2", nil, "/x"},
		{"GET", "/files/v2", "files-v2", nil, ""},
		{"GET", "/filesystem", "", nil, ""},
		{"GET", "/static/b1/css/site.css", "static", []string{"b1"}, "/css/site.css"},
		{"GET", "/static", "", nil, ""},
		{"POST", "/a/b/c", "deep", []string{"b"}, ""},
		{"POST", "/a/b/d", "shallow-lit", nil, "/d"},
		{"POST", "/a/z/d", "", nil, ""},
		{"GET", "/nowhere", "", nil, ""},
	}
	for _, tt := range tests {
		m, ok := r.Match(tt.method, tt.path, nil)
		if got := m.Value; got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%s %s) = %q, %v; want %q", tt.method, tt.path, got, ok, tt.want)
			continue
		}
		if !slices.Equal(m.Values, tt.vals) {
			t.Errorf("Match(%s %s) values = %q, want %q", tt.method, tt.path, m.Values, tt.vals)
		}
		if m.Rest != tt.rest {
			t.Errorf("Match(%s %s) rest = %q, want %q", tt.method, tt.path, m.Rest, tt.rest)
		}
	}
}

func TestRouterAddConflict(t *testing.T) {
	r := newRouter(t, testRoutes)
	tests := []routeDef{
		{"dup", "GET", "/users/{uid}", model.MatchAbsolute},
		{"dup-any", "any", "/users/{x}", model.MatchAbsolute},
		{"dup-prefix", "ANY", "/files", model.MatchPrefix},
	}
	for _, d := range tests {
		tm, _ := ParseTemplate(d.path)
		if err := r.Add(d.method, tm, d.match, d.name); !errcode.Has(err, errcode.APIPathRepeat) {
			t.Errorf("Add(%s %s %s): err = %v, want APIPathRepeat", d.method, d.path, d.match, err)
		}
	}
	tm, _ := ParseTemplate("/users/{id}")
	if err := r.Add("GET", tm, "regex", "x"); !errcode.Has(err, errcode.ParamValueInvalid) {
		t.Errorf("Add with matchType regex: err = %v, want ParamValueInvalid", err)
	}
}

// TestRouterManyLiterals crosses the point where a node indexes its literal
// children in a map.
func TestRouterManyLiterals(t *testing.T) {
	var defs []routeDef
	for _, s := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		defs = append(defs, routeDef{s, "GET", "/" + s, model.MatchAbsolute})
	}
	r := newRouter(t, defs)
	for _, d := range defs {
		if m, ok := r.Match("GET", d.path, nil); !ok || m.Value != d.name {
			t.Errorf("Match(GET %s) = %q, %v; want %q", d.path, m.Value, ok, d.name)
		}
	}
	if r.Len() != len(defs) {
		t.Errorf("Len() = %d, want %d", r.Len(), len(defs))
	}
}

func TestRouterMatchDoesNotAllocate(t *testing.T) {
	r := newRouter(t, testRoutes)
	buf := make([]string, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		r.Match("GET", "/users/42/orders/7", buf)
		r.Match("PUT", "/files/x/y.txt", buf)
		r.Match("GET", "/nowhere/at/all", buf)
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times, want 0", allocs)
	}
}

func BenchmarkMatch(b *testing.B) {
	r := newRouter(b, testRoutes)
	for _, bm := range []struct{ name, method, path string }{
		{"literal", "GET", "/users/me"},
		{"vars", "GET", "/users/42/orders/7"},
		{"prefix", "PUT", "/files/v2/a/b/c"},
		{"miss", "GET", "/nowhere/at/all"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			buf := make([]string, 0, 8)
			b.ReportAllocs()
			for b.Loop() {
				r.Match(bm.method, bm.path, buf)
			}
		})
	}
}

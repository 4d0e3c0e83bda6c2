package route

import (
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestRouterAllowed checks the methods a path is known under when the
// request's method finds no template: exact and variable segments,
// prefix templates above the path, and nothing for an unknown path.
func TestRouterAllowed(t *testing.T) {
	r := newRouter(t, []routeDef{
		{"get-item", "GET", "/items/{id}", model.MatchAbsolute},
		{"put-item", "PUT", "/items/{id}", model.MatchAbsolute},
		{"del-lit", "DELETE", "/items/special", model.MatchAbsolute},
		{"files", "POST", "/files", model.MatchPrefix},
		{"list", "GET", "/items", model.MatchAbsolute},
	})
	for _, tc := range []struct {
		method, path string
		want         []string
	}{
		{"POST", "/items/7", []string{"GET", "PUT"}},
		{"POST", "/items/special", []string{"DELETE", "GET", "PUT"}},
		{"GET", "/files/a/b", []string{"POST"}},
		{"GET", "/files", []string{"POST"}},
		{"DELETE", "/items", []string{"GET"}},
		{"GET", "/nothing", nil},
		{"GET", "/items/7/more", nil},
		{"GET", "/", nil},
	} {
		if _, ok := r.Match(tc.method, tc.path, nil); ok {
			t.Fatalf("%s %s matched; the test wants a miss", tc.method, tc.path)
		}
		if got := r.Allowed(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("Allowed(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

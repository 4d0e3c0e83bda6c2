package route

import (
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// FuzzMatch parses a template, adds it to a router beside fixed ones, and
// matches a path. Whatever matches must rebuild the path exactly: the
// template's literals with the captured values in place of its variables,
// followed by the rest a prefix template left.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"/users/{id}", "/users/42"},
		{"/users/{id}/orders", "/users/42/orders"},
		{"/files", "/files/a/b"},
		{"/", "/"},
		{"/a/", "/a/"},
		{"/{a}/{b}", "/x/y/z"},
		{"/a/{x}/c", "/a/b/c"},
		{"/users/{id}", "/users/a%2Fb"},
		{"/x{y}", "/x1"},
		{"/a//b", "//"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, tmpl, path string, prefix bool) {
		tm, err := ParseTemplate(tmpl)
		if err != nil {
			return
		}
		matchType := model.MatchAbsolute
		if prefix {
			matchType = model.MatchPrefix
		}
		r := newRouter(t, []routeDef{
			{"fixed-lit", "GET", "/zz/fixed", model.MatchAbsolute},
			{"fixed-var", "POST", "/zz/{v}", model.MatchPrefix},
		})
		const name = "fuzzed"
		if err := r.Add("GET", tm, matchType, name); err != nil {
			return // the same shape as a fixed template
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		m, ok := r.Match("GET", path, nil)
		if !ok || m.Value != name {
			return
		}
		if len(m.Values) != len(tm.Vars()) {
			t.Fatalf("template %q, path %q: %d values for %d variables", tmpl, path, len(m.Values), len(tm.Vars()))
		}
		if !prefix && m.Rest != "" {
			t.Fatalf("template %q, path %q: absolute match left %q", tmpl, path, m.Rest)
		}
		var b strings.Builder
		vi := 0
		for _, s := range tm.segs {
			b.WriteByte('/')
			if s.isVar {
				v := m.Values[vi]
				if v == "" || strings.Contains(v, "/") {
					t.Fatalf("template %q, path %q: captured %q", tmpl, path, v)
				}
				b.WriteString(v)
				vi++
				continue
			}
			b.WriteString(s.lit)
		}
		b.WriteString(m.Rest)
		got := b.String()
		if got == "" {
			got = "/"
		}
		if got != path {
			t.Fatalf("template %q matched %q but rebuilds %q (values %q, rest %q)", tmpl, path, got, m.Values, m.Rest)
		}
	})
}

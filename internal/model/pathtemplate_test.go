package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestParsePathTemplate(t *testing.T) {
	tests := []struct {
		path string
		want []string
		cond *errcode.Condition // nil: accepted
	}{
		{"/", nil, nil},
		{"/users", nil, nil},
		{"/users/", nil, nil},
		{"/users/{id}", []string{"id"}, nil},
		{"/users/{id}/orders/{order_id}/x", []string{"id", "order_id"}, nil},
		{"/{_a1}", []string{"_a1"}, nil},
		{"/v1/a-b.c~d:e@f,g;h=i", nil, nil},
		{"", nil, errcode.ArgumentNotFound},
		{"users", nil, errcode.ParamValueInvalid},
		{"/users//x", nil, errcode.ParamValueInvalid},
		{"/users/./x", nil, errcode.ParamValueInvalid},
		{"/users/..", nil, errcode.ParamValueInvalid},
		{"/users/{id", nil, errcode.ParamValueInvalid},
		{"/users/id}", nil, errcode.ParamValueInvalid},
		{"/users/x{id}", nil, errcode.ParamValueInvalid},
		{"/users/{id}x", nil, errcode.ParamValueInvalid},
		{"/users/{}", nil, errcode.ParamValueInvalid},
		{"/users/{1d}", nil, errcode.ParamValueInvalid},
		{"/users/{i-d}", nil, errcode.ParamValueInvalid},
		{"/users/{{id}}", nil, errcode.ParamValueInvalid},
		{"/{id}/{id}", nil, errcode.ParamValueInvalid},
		{"/a b", nil, errcode.ParamValueInvalid},
		{"/a%20b", nil, errcode.ParamValueInvalid},
		{"/a?b=1", nil, errcode.ParamValueInvalid},
		{"/a#b", nil, errcode.ParamValueInvalid},
		{"/用户", nil, errcode.ParamValueInvalid},
		{"/" + strings.Repeat("a", MaxPathLen), nil, errcode.ParamValueInvalid},
	}
	for _, tt := range tests {
		got, err := ParsePathTemplate(tt.path)
		if tt.cond == nil {
			if err != nil {
				t.Errorf("ParsePathTemplate(%q): got error %v, want none", tt.path, err)
			} else if !slices.Equal(got, tt.want) {
				t.Errorf("ParsePathTemplate(%q) = %q, want %q", tt.path, got, tt.want)
			}
			continue
		}
		if !errcode.Has(err, tt.cond) {
			t.Errorf("ParsePathTemplate(%q): got error %v, want %s", tt.path, err, tt.cond.Name)
			continue
		}
		if e := errcode.From(err); e.Subject != "path" {
			t.Errorf("ParsePathTemplate(%q): got subject %q, want %q", tt.path, e.Subject, "path")
		}
	}
}

func TestPathKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"/users/{id}", "/users/{uid}"},
		{"/{a}/x/{b}", "/{c}/x/{d}"},
		{"/users/", "/users/"},
	}
	for _, tt := range tests {
		if ka, kb := PathKey(tt.a), PathKey(tt.b); ka != kb {
			t.Errorf("PathKey(%q) = %q, PathKey(%q) = %q, want equal", tt.a, ka, tt.b, kb)
		}
	}
	if PathKey("/users/{id}") == PathKey("/users/id") {
		t.Errorf("PathKey: a variable and a literal segment got the same key")
	}
}

// FuzzParsePathTemplate checks that the parser never panics and that what
// it accepts has the promised shape.
func FuzzParsePathTemplate(f *testing.F) {
	for _, s := range []string{"/", "/users/{id}", "/a/{b}/c/{d_1}/", "/{", "/}{", "//", "/..", "/{a}/{a}", "x", "/%", "/{A_}/{_}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		vars, err := ParsePathTemplate(path)
		if err != nil {
			if !errcode.Has(err, errcode.ParamValueInvalid) && !errcode.Has(err, errcode.ArgumentNotFound) {
				t.Fatalf("ParsePathTemplate(%q): got error %v of an unexpected condition", path, err)
			}
			return
		}
		if !strings.HasPrefix(path, "/") || strings.Contains(path, "//") || len(path) > MaxPathLen {
			t.Fatalf("ParsePathTemplate(%q) accepted a malformed template", path)
		}
		if n := strings.Count(path, "{"); n != len(vars) || n != strings.Count(path, "}") {
			t.Fatalf("ParsePathTemplate(%q) = %q: %d braces, %d variables", path, vars, n, len(vars))
		}
		seen := map[string]bool{}
		for _, v := range vars {
			if !IsIdentifier(v) || seen[v] {
				t.Fatalf("ParsePathTemplate(%q) = %q: bad or repeated name %q", path, vars, v)
			}
			seen[v] = true
			if !strings.Contains(path, "/{"+v+"}") {
				t.Fatalf("ParsePathTemplate(%q) = %q: %q is not a whole segment", path, vars, v)
			}
		}
		key := PathKey(path)
		if again, err := ParsePathTemplate(key); len(vars) == 0 && (err != nil || key != path || len(again) != 0) {
			t.Fatalf("PathKey(%q) = %q changed a template without variables", path, key)
		}
	})
}

package route

import (
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		in    string
		vars  []string
		shape string
		err   bool
	}{
		{in: "/", shape: ""},
		{in: "/users", shape: "/users"},
		{in: "/users/", shape: "/users/"},
		{in: "/users/{id}/orders/{order_id}", vars: []string{"id", "order_id"}, shape: "/users/{}/orders/{}"},
		{in: "/a:b/@c/(d)", shape: "/a:b/@c/(d)"},
		{in: "users", err: true},
		{in: "", err: true},
		{in: "/a//b", err: true},
		{in: "/a/./b", err: true},
		{in: "/a/..", err: true},
		{in: "/a{id}", err: true},
		{in: "/{id", err: true},
		{in: "/{}", err: true},
		{in: "/{1x}", err: true},
		{in: "/{id}/{id}", err: true},
		{in: "/a?b", err: true},
	}
	for _, tt := range tests {
		got, err := ParseTemplate(tt.in)
		if tt.err {
			if !errcode.Has(err, errcode.ParamValueInvalid) && !errcode.Has(err, errcode.ArgumentNotFound) {
				t.Errorf("ParseTemplate(%q): err = %v, want ParamValueInvalid or ArgumentNotFound", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got.Vars(), tt.vars) {
			t.Errorf("ParseTemplate(%q).Vars() = %q, want %q", tt.in, got.Vars(), tt.vars)
		}
		if s := got.shape(); s != tt.shape {
			t.Errorf("ParseTemplate(%q).shape() = %q, want %q", tt.in, s, tt.shape)
		}
	}
}

func TestExpansion(t *testing.T) {
	tests := []struct {
		tmpl, backend string
		vals          []string
		want          string
		static        bool
		err           *errcode.Condition
	}{
		{tmpl: "/users/{id}", backend: "/v2/people/{id}", vals: []string{"42"}, want: "/v2/people/42"},
		{tmpl: "/a/{x}/{y}", backend: "/{y}-{x}.json", vals: []string{"1", "2"}, want: "/2-1.json"},
		{tmpl: "/a", backend: "/static", want: "/static", static: true},
		{tmpl: "/a", backend: "", want: "", static: true},
		{tmpl: "/a/{x}", backend: "/b/{y}", err: errcode.PathParamsUndefined},
		{tmpl: "/a/{x}", backend: "/b/{x", err: errcode.ParamValueInvalid},
		{tmpl: "/a/{x}", backend: "/b/x}", err: errcode.ParamValueInvalid},
	}
	for _, tt := range tests {
		tm, err := ParseTemplate(tt.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		x, err := ParseExpansion(tt.backend, tm)
		if tt.err != nil {
			if !errcode.Has(err, tt.err) {
				t.Errorf("ParseExpansion(%q): err = %v, want %s", tt.backend, err, tt.err.Name)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseExpansion(%q): %v", tt.backend, err)
			continue
		}
		if got := string(x.Append(nil, tt.vals)); got != tt.want {
			t.Errorf("expand %q with %q = %q, want %q", tt.backend, tt.vals, got, tt.want)
		}
		if x.Static() != tt.static {
			t.Errorf("ParseExpansion(%q).Static() = %v, want %v", tt.backend, x.Static(), tt.static)
		}
	}
}

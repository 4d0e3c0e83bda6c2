package route

import (
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Expansion is a compiled backend path: literal text with {name} variables
// anywhere in it, each standing for a variable of the API's path template.
type Expansion struct {
	raw   string
	parts []part
}

// part is literal text, or (lit == "" and index >= 0) a variable's value.
type part struct {
	lit   string
	index int
}

// ParseExpansion compiles a backend path against the variables of the API's
// path template. A {name} that names no variable of t is an error of
// errcode.PathParamsUndefined-like ParamValueInvalid, since it could never
// be filled. Text outside braces is kept as written.
func ParseExpansion(s string, t *Template) (*Expansion, error) {
	x := &Expansion{raw: s}
	rest := s
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			x.parts = append(x.parts, part{lit: rest, index: -1})
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, invalid("backendPath", "%q has an unclosed {", s)
		}
		name := rest[open+1 : open+end]
		i := t.VarIndex(name)
		if i < 0 {
			return nil, &errcode.Error{Cond: errcode.PathParamsUndefined, Subject: name,
				Detail: fmt.Sprintf("{%s} in backendPath %q is not a variable of %s", name, s, t)}
		}
		if open > 0 {
			x.parts = append(x.parts, part{lit: rest[:open], index: -1})
		}
		x.parts = append(x.parts, part{index: i})
		rest = rest[open+end+1:]
	}
	if strings.IndexByte(s, '}') >= 0 && strings.Count(s, "{") != strings.Count(s, "}") {
		return nil, invalid("backendPath", "%q has an unopened }", s)
	}
	return x, nil
}

// String returns the backend path as written.
func (x *Expansion) String() string { return x.raw }

// Static reports whether the expansion has no variable, so that its text
// can be used as is.
func (x *Expansion) Static() bool {
	for _, p := range x.parts {
		if p.index >= 0 {
			return false
		}
	}
	return true
}

// Append appends the expansion to dst with vals, the values captured by the
// API's template, substituted.
func (x *Expansion) Append(dst []byte, vals []string) []byte {
	for _, p := range x.parts {
		if p.index >= 0 {
			if p.index < len(vals) {
				dst = append(dst, vals[p.index]...)
			}
			continue
		}
		dst = append(dst, p.lit...)
	}
	return dst
}

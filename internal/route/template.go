package route

import (
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Template is a parsed path template such as /users/{id}/orders. A variable
// is a whole segment {name}; it captures exactly one non-empty segment of
// the request path.
type Template struct {
	raw  string
	segs []segment
	vars []string
}

// segment is one segment of a template: a literal, or a variable.
type segment struct {
	lit   string
	isVar bool
}

// ParseTemplate parses a path template. It starts with "/"; a variable is a
// whole segment {name} with name of letters, digits and "_", not starting
// with a digit, and appearing once. Empty segments other than a trailing one
// and the dot segments "." and ".." are refused, as model.ParsePathTemplate
// refuses them. The error is an *errcode.Error of errcode.ParamValueInvalid
// about "path".
func ParseTemplate(s string) (*Template, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, invalid("path", "%q does not start with /", s)
	}
	t := &Template{raw: s}
	rest := s[1:]
	for rest != "" {
		seg, tail, more := strings.Cut(rest, "/")
		rest = tail
		switch {
		case seg == "" && more:
			return nil, invalid("path", "%q has an empty segment", s)
		case seg == "." || seg == "..":
			return nil, invalid("path", "%q has a dot segment", s)
		case strings.ContainsAny(seg, "{}"):
			name, ok := variable(seg)
			if !ok {
				return nil, invalid("path", "segment %q of %q is not a variable {name}", seg, s)
			}
			if t.VarIndex(name) >= 0 {
				return nil, invalid("path", "variable {%s} appears twice in %q", name, s)
			}
			t.vars = append(t.vars, name)
			t.segs = append(t.segs, segment{lit: name, isVar: true})
		case strings.ContainsAny(seg, "?#"):
			return nil, invalid("path", "%q holds a query or fragment character", s)
		default:
			t.segs = append(t.segs, segment{lit: seg})
		}
		if !more {
			break
		}
		if rest == "" {
			// A trailing slash: the template ends with an empty segment.
			t.segs = append(t.segs, segment{})
		}
	}
	return t, nil
}

// String returns the template as written.
func (t *Template) String() string { return t.raw }

// Vars returns the names of the template's variables in order; captured
// values come back in the same order.
func (t *Template) Vars() []string { return t.vars }

// VarIndex returns the position of variable name, or -1.
func (t *Template) VarIndex(name string) int {
	for i, v := range t.vars {
		if v == name {
			return i
		}
	}
	return -1
}

// shape returns the template with variable names erased, so that /a/{x} and
// /a/{y}, which match the same requests, compare equal.
func (t *Template) shape() string {
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteByte('/')
		if s.isVar {
			b.WriteString("{}")
		} else {
			b.WriteString(s.lit)
		}
	}
	return b.String()
}

// variable returns the name of a segment "{name}".
func variable(seg string) (string, bool) {
	name, ok := strings.CutPrefix(seg, "{")
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, "}")
	if !ok || !isIdentifier(name) {
		return "", false
	}
	return name, true
}

// isIdentifier reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func invalid(subject, format string, args ...any) error {
	return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: subject, Detail: fmt.Sprintf(format, args...)}
}

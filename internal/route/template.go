package route

import (
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
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

// ParseTemplate parses a path template. What a template may hold is
// model.ParsePathTemplate's to say, so that the data plane compiles exactly
// what the admin API accepted; its error is returned as is.
func ParseTemplate(s string) (*Template, error) {
	vars, err := model.ParsePathTemplate(s)
	if err != nil {
		return nil, err
	}
	t := &Template{raw: s, vars: vars}
	if s == "/" {
		return t, nil
	}
	// A trailing slash yields a final empty segment, which must match.
	for _, seg := range strings.Split(s[1:], "/") {
		if name, ok := model.PathVariable(seg); ok {
			t.segs = append(t.segs, segment{lit: name, isVar: true})
			continue
		}
		t.segs = append(t.segs, segment{lit: seg})
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

func invalid(subject, format string, args ...any) error {
	return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: subject, Detail: fmt.Sprintf(format, args...)}
}

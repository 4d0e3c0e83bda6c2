package model

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// MaxPathLen is the longest path template accepted, in bytes.
const MaxPathLen = 1024

// ParsePathTemplate checks a path template such as /users/{id}/orders and
// returns the names of its variables in order of appearance.
//
// A template starts with "/". A variable is a whole segment "{name}" whose
// name matches [A-Za-z_][A-Za-z0-9_]*, and no name appears twice. Literal
// segments hold RFC 3986 path characters less "%": a template is matched
// against the decoded request path, so a percent escape in it would be
// ambiguous. Empty segments ("//") and the dot segments "." and ".." are
// refused because clients and proxies normalise them away, so an API
// declared with them could never be reached as written. A trailing "/" is
// allowed.
//
// The error is an *errcode.Error of errcode.ParamValueInvalid (or
// errcode.ArgumentNotFound when path is empty) whose Subject is "path".
func ParsePathTemplate(path string) ([]string, error) {
	return parseTemplate("path", path)
}

// parseTemplate is ParsePathTemplate with the subject of its errors given,
// so that a backendPath is reported as such.
func parseTemplate(field, path string) ([]string, error) {
	switch {
	case path == "":
		return nil, errcode.New(errcode.ArgumentNotFound, field)
	case len(path) > MaxPathLen:
		return nil, invalid(field, "longer than %d bytes", MaxPathLen)
	case path[0] != '/':
		return nil, invalid(field, "%q does not start with /", path)
	}
	var vars []string
	rest := path[1:]
	for rest != "" {
		seg, tail, more := strings.Cut(rest, "/")
		rest = tail
		switch {
		case seg == "" && more:
			return nil, invalid(field, "%q has an empty segment", path)
		case seg == "." || seg == "..":
			return nil, invalid(field, "%q has a dot segment", path)
		case strings.ContainsAny(seg, "{}"):
			name, ok := PathVariable(seg)
			if !ok {
				return nil, invalid(field, "segment %q of %q: a variable is a whole segment {name}, name of letters, digits and _ not starting with a digit", seg, path)
			}
			for _, v := range vars {
				if v == name {
					return nil, invalid(field, "variable {%s} appears twice in %q", name, path)
				}
			}
			vars = append(vars, name)
		default:
			for i := 0; i < len(seg); i++ {
				if !isPathChar(seg[i]) {
					return nil, invalid(field, "%q has the character %q, which a path template may not hold", path, seg[i])
				}
			}
		}
	}
	return vars, nil
}

// PathKey returns the template with its variable names erased, so that
// /users/{id} and /users/{uid}, which match the same requests, have the
// same key. It assumes a template that ParsePathTemplate accepts.
func PathKey(path string) string {
	var b strings.Builder
	b.Grow(len(path))
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if _, ok := PathVariable(seg); ok {
			b.WriteString("{}")
			continue
		}
		b.WriteString(seg)
	}
	return b.String()
}

// PathVariable returns the name of a template segment "{name}", and
// whether the segment is a variable at all.
func PathVariable(seg string) (string, bool) {
	name, ok := strings.CutPrefix(seg, "{")
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, "}")
	if !ok || !IsIdentifier(name) {
		return "", false
	}
	return name, true
}

// IsIdentifier reports whether s matches [A-Za-z_][A-Za-z0-9_]*, the form of
// a path variable's name.
func IsIdentifier(s string) bool {
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

// isPathChar reports whether c may appear in a literal segment: RFC 3986
// unreserved characters, sub-delims, ":" and "@".
func isPathChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Limits of the validated fields.
const (
	MaxNameLen        = 64   // runes of a group or API name
	MaxDescriptionLen = 1024 // runes of a description
)

// invalid returns a ParamValueInvalid error about field, with the reason
// as its detail; the message renders as "An Illegal Parameter: field:
// reason".
func invalid(field, format string, args ...any) error {
	return &errcode.Error{
		Cond:    errcode.ParamValueInvalid,
		Subject: field,
		Detail:  fmt.Sprintf(format, args...),
	}
}

// missing returns an ArgumentNotFound error about field. An empty value
// counts as missing, as in the console's "param cannot be null".
func missing(field string) error {
	return errcode.New(errcode.ArgumentNotFound, field)
}

// ValidateName checks the name of a group or an API held in field: 1 to
// MaxNameLen letters (of any script, so Chinese names are fine), digits,
// "-" and "_".
func ValidateName(field, name string) error {
	if name == "" {
		return missing(field)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLen {
		return invalid(field, "%d characters, at most %d allowed", n, MaxNameLen)
	}
	for _, r := range name {
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return invalid(field, "%q: only letters, digits, - and _ are allowed", r)
		}
	}
	return nil
}

// ValidateGroupName checks a group's name; see ValidateName.
func ValidateGroupName(name string) error { return ValidateName("name", name) }

// ValidateDescription checks a free-text description held in field: valid
// UTF-8, at most MaxDescriptionLen characters, no control characters other
// than newline and tab.
func ValidateDescription(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field, "not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxDescriptionLen {
		return invalid(field, "%d characters, at most %d allowed", n, MaxDescriptionLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return invalid(field, "holds the control character %U", r)
		}
	}
	return nil
}

// ValidateDialect checks a group's error dialect.
func ValidateDialect(d errcode.Dialect) error {
	if d == "" {
		return missing("dialect")
	}
	if !d.Valid() {
		return invalid("dialect", "%q is not one of %v", d, errcode.Dialects)
	}
	return nil
}

// ValidateLanguage checks a group's default language, en or zh.
func ValidateLanguage(l errcode.Lang) error {
	if l == "" {
		return missing("language")
	}
	if !errcode.ValidLang(l) {
		return invalid("language", "%q is not en or zh", l)
	}
	return nil
}

// ValidateEnvironment checks an environment name held in field.
func ValidateEnvironment(field string, e Environment) error {
	if e == "" {
		return missing(field)
	}
	if !e.Valid() {
		return invalid(field, "%q is not one of test, preview, online", e)
	}
	return nil
}

// ValidateRevision checks a revision number: three dot-separated numbers
// of 1 to 9 digits each, such as 1.0.0.
func ValidateRevision(rev string) error {
	if rev == "" {
		return missing("revision")
	}
	parts, n := 0, 0
	for i := 0; i < len(rev); i++ {
		switch c := rev[i]; {
		case '0' <= c && c <= '9' && n < 9:
			n++
		case c == '.' && n > 0 && parts < 2:
			parts, n = parts+1, 0
		default:
			return invalid("revision", "%q is not of the form x.y.z with numbers of 1 to 9 digits", rev)
		}
	}
	if parts != 2 || n == 0 {
		return invalid("revision", "%q is not of the form x.y.z with numbers of 1 to 9 digits", rev)
	}
	return nil
}

// Validate checks every field of g. Call ApplyDefaults first.
func (g *Group) Validate() error {
	if err := ValidateGroupName(g.Name); err != nil {
		return err
	}
	if err := ValidateDescription("description", g.Description); err != nil {
		return err
	}
	if err := ValidateDialect(g.Dialect); err != nil {
		return err
	}
	return ValidateLanguage(g.Language)
}

// ApplyDefaults fills the fields a client may omit: dialect jdcloud and
// language en.
func (g *Group) ApplyDefaults() {
	if g.Dialect == "" {
		g.Dialect = errcode.DialectJDCloud
	}
	if g.Language == "" {
		g.Language = errcode.English
	}
}

// ValidateGroupID checks a group id chosen by the caller rather than
// generated (the demo group's, an imported one): it becomes the first label
// of the group's host names, so it must be a lowercase DNS label of 1 to 40
// characters that starts with a letter, and it must not end in "-test" or
// "-preview", which would make {id}-test.{base} ambiguous.
func ValidateGroupID(id string) error {
	if id == "" || len(id) > 40 || id[0] < 'a' || id[0] > 'z' || id[len(id)-1] == '-' {
		return invalid("groupId", "%q is not a lowercase DNS label of 1 to 40 characters starting with a letter", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return invalid("groupId", "%q is not a lowercase DNS label of 1 to 40 characters starting with a letter", id)
		}
	}
	if strings.HasSuffix(id, "-test") || strings.HasSuffix(id, "-preview") {
		return invalid("groupId", "%q ends in -test or -preview, which name environments in host names", id)
	}
	return nil
}

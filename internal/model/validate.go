package model

import (
	"fmt"
	"slices"
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

// inconsistent returns an ArgumentsInconsistent error about field, whose
// value is out of the bounds another field sets (409 FAILED_PRECONDITION,
// "Parameters are dependent to each other in size"), with the reason as
// its detail.
func inconsistent(field, format string, args ...any) error {
	return &errcode.Error{
		Cond:    errcode.ArgumentsInconsistent,
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
	if err := ValidateLanguage(g.Language); err != nil {
		return err
	}
	if err := ValidateGroupStatus(g.Status); err != nil {
		return err
	}
	return g.validateAuth()
}

// ValidateGroupStatus checks a group's status: GroupActive,
// GroupSuspended, or "", which groups stored before statuses existed have
// and which reads as GroupActive.
func ValidateGroupStatus(status string) error {
	switch status {
	case "", GroupActive, GroupSuspended:
		return nil
	}
	return invalid("status", "%q is not %s or %s", status, GroupActive, GroupSuspended)
}

// ApplyDefaults fills the fields a client may omit: dialect jdcloud,
// language en, authType none, replay window DefaultReplayWindowSeconds,
// and empty lists.
func (g *Group) ApplyDefaults() {
	if g.Dialect == "" {
		g.Dialect = errcode.DialectJDCloud
	}
	if g.Language == "" {
		g.Language = errcode.English
	}
	if g.AuthType == "" {
		g.AuthType = AuthNone
	}
	if g.ReplayWindowSeconds == 0 {
		g.ReplayWindowSeconds = DefaultReplayWindowSeconds
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

// validateAuth checks a group's auth settings: the auth type, its schemes
// (each of the type, once; none for AuthNone), the replay window, the
// pinned scope and the allowed pins.
func (g *Group) validateAuth() error {
	if g.Owner != "" {
		if err := ValidatePin("owner", g.Owner); err != nil {
			return err
		}
	}
	if !slices.Contains(AuthTypes, g.AuthType) {
		return invalid("authType", "%q is not one of %v", g.AuthType, AuthTypes)
	}
	allowed := SchemesOf(g.AuthType)
	for i, s := range g.Schemes {
		if !slices.Contains(allowed, s) {
			if g.AuthType == AuthNone {
				return invalid("schemes", "a group of authType none accepts no scheme")
			}
			return invalid("schemes", "%q is not a scheme of authType %s: %v", s, g.AuthType, allowed)
		}
		if slices.Contains(g.Schemes[:i], s) {
			return invalid("schemes", "%q is listed twice", s)
		}
	}
	if w := g.ReplayWindowSeconds; w < 1 || w > MaxReplayWindowSeconds {
		return invalid("replayWindowSeconds", "%d is not from 1 to %d", w, MaxReplayWindowSeconds)
	}
	for field, v := range map[string]string{"signRegion": g.SignRegion, "signService": g.SignService} {
		if len(v) > MaxScopePartLen {
			return invalid(field, "%d bytes, at most %d allowed", len(v), MaxScopePartLen)
		}
		for i := 0; i < len(v); i++ {
			if c := v[i]; !asciiWord(c) && c != '.' {
				return invalid(field, "%q: only ASCII letters, digits, -, _ and . are allowed", rune(c))
			}
		}
	}
	if len(g.AllowedPins) > MaxAllowedPins {
		return invalid("allowedPins", "%d entries, at most %d allowed", len(g.AllowedPins), MaxAllowedPins)
	}
	for i, p := range g.AllowedPins {
		if err := ValidatePin("allowedPins", p); err != nil {
			return err
		}
		if slices.Contains(g.AllowedPins[:i], p) {
			return invalid("allowedPins", "%q is listed twice", p)
		}
	}
	return nil
}

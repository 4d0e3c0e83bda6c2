package model

import (
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Limits of the callers' fields.
const (
	MaxPinLen       = 64   // bytes of a pin or a user name
	MaxEmailLen     = 254  // bytes of an e-mail address (RFC 5321)
	MaxListLen      = 1000 // entries of a role's or a group's lists
	MaxAllowedPins  = 1000
	MaxScopePartLen = 64 // bytes of a signRegion or signService
)

// ValidatePin checks a pin, or a user name, held in field: 1 to MaxPinLen
// ASCII letters, digits, "-", "_" and ".". Pins and user names travel in
// headers to backends (x-jdcloud-pin) and in URLs, so they are kept to
// characters that need no escaping anywhere.
func ValidatePin(field, pin string) error {
	if pin == "" {
		return missing(field)
	}
	if len(pin) > MaxPinLen {
		return invalid(field, "%d bytes, at most %d allowed", len(pin), MaxPinLen)
	}
	for i := 0; i < len(pin); i++ {
		if c := pin[i]; !asciiWord(c) && c != '.' {
			return invalid(field, "%q: only ASCII letters, digits, -, _ and . are allowed", rune(c))
		}
	}
	return nil
}

func asciiWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// NormalizeEmail returns addr checked, in Unicode NFKC and lower-cased,
// as it is stored and compared (so a full-width address is the same
// address as its ASCII spelling): a bare address (no display name), at
// most MaxEmailLen bytes. "" stays "".
func NormalizeEmail(addr string) (string, error) {
	if addr == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return "", invalid("email", "%q is not a bare e-mail address", addr)
	}
	if len(addr) > MaxEmailLen {
		return "", invalid("email", "%d bytes, at most %d allowed", len(addr), MaxEmailLen)
	}
	return strings.ToLower(norm.NFKC.String(addr)), nil
}

// Valid reports whether s is a known account status.
func (s AccountStatus) Valid() bool {
	return s == AccountActive || s == AccountDisabled || s == AccountUnactivated
}

// Valid reports whether s is a known user status.
func (s UserStatus) Valid() bool { return s == UserActive || s == UserDisabled }

// ApplyDefaults fills what a client may omit: status active, name the pin.
func (a *Account) ApplyDefaults() {
	if a.Status == "" {
		a.Status = AccountActive
	}
	if a.Name == "" {
		a.Name = a.Pin
	}
	if a.Dialect == "" {
		a.Dialect = errcode.DialectJDCloud
	}
	if a.Language == "" {
		a.Language = errcode.English
	}
}

// Validate checks every field of a.
func (a *Account) Validate() error {
	if err := ValidatePin("pin", a.Pin); err != nil {
		return err
	}
	if a.Name == "" {
		return missing("name")
	}
	if n := utf8.RuneCountInString(a.Name); n > MaxNameLen {
		return invalid("name", "%d characters, at most %d allowed", n, MaxNameLen)
	}
	if err := ValidateDescription("name", a.Name); err != nil {
		return err
	}
	if !a.Status.Valid() {
		return invalid("status", "%q is not one of active, disabled, unactivated", a.Status)
	}
	if err := ValidateDialect(a.Dialect); err != nil {
		return err
	}
	if err := ValidateLanguage(a.Language); err != nil {
		return err
	}
	return ValidateActions("mfaActions", a.MFAActions)
}

// ValidateActions checks a list of action patterns held in field: each is
// "*", "resource.*" or one of Actions, once.
func ValidateActions(field string, actions []string) error {
	if len(actions) > len(Actions) {
		return invalid(field, "%d entries, at most %d allowed", len(actions), len(Actions))
	}
	for i, a := range actions {
		if !validActionPattern(a) {
			return invalid(field, "%q is not an admin action (see Actions), \"resource.*\" or \"*\"", a)
		}
		if slices.Contains(actions[:i], a) {
			return invalid(field, "%q is listed twice", a)
		}
	}
	return nil
}

// ApplyDefaults fills what a client may omit: status active.
func (u *User) ApplyDefaults() {
	if u.Status == "" {
		u.Status = UserActive
	}
}

// Validate checks every field of u and lower-cases its e-mail address.
func (u *User) Validate() error {
	if err := ValidatePin("pin", u.Pin); err != nil {
		return err
	}
	if err := ValidatePin("name", u.Name); err != nil {
		return err
	}
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email = email
	if u.Role != "" {
		if err := ValidateName("role", u.Role); err != nil {
			return err
		}
	}
	if !u.Status.Valid() {
		return invalid("status", "%q is not active or disabled", u.Status)
	}
	return nil
}

// ApplyDefaults fills what a client may omit: empty lists.
func (r *Role) ApplyDefaults() {
	if r.Groups == nil {
		r.Groups = []string{}
	}
	if r.APIs == nil {
		r.APIs = []string{}
	}
	if r.Actions == nil {
		r.Actions = []string{}
	}
}

// Validate checks every field of r.
func (r *Role) Validate() error {
	if err := ValidatePin("pin", r.Pin); err != nil {
		return err
	}
	if err := ValidateName("name", r.Name); err != nil {
		return err
	}
	if err := validateIDList("groups", r.Groups); err != nil {
		return err
	}
	if err := validateIDList("apis", r.APIs); err != nil {
		return err
	}
	return ValidateActions("actions", r.Actions)
}

// validateIDList checks a list of ids, or "*", held in field.
func validateIDList(field string, ids []string) error {
	if len(ids) > MaxListLen {
		return invalid(field, "%d entries, at most %d allowed", len(ids), MaxListLen)
	}
	for i, id := range ids {
		if id == "" || len(id) > MaxPinLen {
			return invalid(field, "entry %d: an id of 1 to %d bytes, or \"*\", is required", i, MaxPinLen)
		}
		for j := 0; j < len(id); j++ {
			if c := id[j]; !asciiWord(c) && c != '*' && c != '.' {
				return invalid(field, "entry %d: %q is not an id", i, id)
			}
		}
		if slices.Contains(ids[:i], id) {
			return invalid(field, "%q is listed twice", id)
		}
	}
	return nil
}

// ValidKeyKind reports whether kind is a kind of key.
func ValidKeyKind(kind string) bool {
	return kind == KeySignature || kind == KeyAppKey || kind == KeySession
}

// ApplyDefaults fills what a client may omit: kind signature, enabled.
// A new key is enabled: Enabled cannot tell "false" from "left out", so
// the admin API sets it only on PATCH.
func (k *Key) ApplyDefaults() {
	if k.Kind == "" {
		k.Kind = KeySignature
	}
}

// Validate checks the fields of k a client chooses. A session key belongs
// to a user and has an expiry; no other kind has one.
func (k *Key) Validate() error {
	if err := ValidatePin("pin", k.Pin); err != nil {
		return err
	}
	if k.User != "" {
		if err := ValidatePin("user", k.User); err != nil {
			return err
		}
	}
	if !ValidKeyKind(k.Kind) {
		return invalid("kind", "%q is not signature or appkey", k.Kind)
	}
	if k.Kind == KeySession && (k.User == "" || k.Expires.IsZero()) {
		return invalid("kind", "a session key needs a user and an expiry")
	}
	if k.Kind != KeySession && !k.Expires.IsZero() {
		return invalid("expiresAt", "only session keys expire")
	}
	return nil
}

// Validate checks every field of a. Exactly one of AccessKey and Pin
// names the caller.
func (a *Authorization) Validate() error {
	if a.GroupID == "" {
		return missing("groupId")
	}
	if err := ValidateEnvironment("environment", a.Environment); err != nil {
		return err
	}
	switch {
	case a.AccessKey == "" && a.Pin == "":
		return missing("accessKey")
	case a.AccessKey != "" && a.Pin != "":
		return invalid("pin", "give accessKey or pin, not both")
	case a.Pin != "":
		if err := ValidatePin("pin", a.Pin); err != nil {
			return err
		}
	default:
		if len(a.AccessKey) > MaxPinLen || !printableASCII(a.AccessKey) {
			return invalid("accessKey", "not an access key")
		}
	}
	return validateIDList("apis", a.APIs)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Normalize checks e and puts its value in canonical form: a pin as it
// is; an address as netip prints it; a range with its host bits cleared
// (10.1.2.3/8 becomes 10.0.0.0/8), so that one range has one spelling.
// An IPv4-mapped IPv6 address becomes IPv4.
func (e *BlacklistEntry) Normalize() error {
	switch e.Kind {
	case "":
		return missing("kind")
	case BlacklistPin:
		if err := ValidatePin("value", e.Value); err != nil {
			return err
		}
	case BlacklistIP:
		if e.Value == "" {
			return missing("value")
		}
		if strings.Contains(e.Value, "/") {
			p, err := netip.ParsePrefix(e.Value)
			if err != nil {
				return invalid("value", "%q is not an IP address or CIDR range", e.Value)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-96))
			}
			// A range of length 0 covers every address of its family:
			// 0.0.0.0/0, ::/0, and ::ffff:0:0/96 (every IPv4 address,
			// mapped), which is 0.0.0.0/0 by now. One such entry would
			// refuse every caller of every group, a typo away from /8.
			if p.Bits() == 0 {
				return invalid("value", "%q covers every %s address; a blacklist entry must leave some callers out (to stop all traffic, take the deployments offline)", e.Value, family(p.Addr()))
			}
			e.Value = p.Masked().String()
		} else {
			a, err := netip.ParseAddr(e.Value)
			if err != nil || a.Zone() != "" {
				return invalid("value", "%q is not an IP address or CIDR range", e.Value)
			}
			e.Value = a.Unmap().String()
		}
	default:
		return invalid("kind", "%q is not pin or ip", e.Kind)
	}
	return ValidateDescription("reason", e.Reason)
}

// family names the address family of a.
func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

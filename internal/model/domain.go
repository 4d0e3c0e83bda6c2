package model

import (
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Bounds of custom domains.
const (
	// MaxDomains is how many custom domains one group may claim, pending
	// or bound.
	MaxDomains = 5
	// MaxRecordNumberLen bounds the operator's filing (record) number, in
	// characters.
	MaxRecordNumberLen = 64
)

// VerificationPrefix is the label under which a domain's owner publishes
// its verification token: the TXT record _tollgate.<domain>.
const VerificationPrefix = "_tollgate."

// Domain is a custom domain claimed by a group for one of its
// environments. A claim serves once it is verified (its owner published
// Token in the TXT record VerificationName) and, where the operator
// requires a filing, recorded (the operator approved it with its record
// number). Until then a call to it is answered
// errcode.DomainNotRecorded in the group's dialect.
//
// Several groups may claim a domain no group has verified; the first to
// verify it binds it, and the other claims are dropped (docs/domains.md).
type Domain struct {
	// Domain is the name, normalised (NormalizeDomain): lower case, IDNA
	// ASCII, no trailing dot.
	Domain      string      `json:"domain"`
	GroupID     string      `json:"groupId"`
	Environment Environment `json:"environment"`
	// Token is the value the TXT record must hold; the store makes it.
	Token string `json:"-"`
	// VerifiedAt is when the TXT record was found; zero until then.
	VerifiedAt time.Time `json:"-"`
	// RecordNumber is the filing number the operator approved the domain
	// with, and RecordedAt when; "" and zero until then.
	RecordNumber string    `json:"-"`
	RecordedAt   time.Time `json:"-"`
	// Certificate is the PEM chain served for the domain, leaf first;
	// PrivateKey its PEM key, which the store keeps sealed and opens only
	// for the data plane (store.Domains.LoadDomains): it is never
	// marshalled. Both are "" for a domain without a certificate of its
	// own.
	Certificate string    `json:"-"`
	PrivateKey  string    `json:"-"`
	CreatedAt   time.Time `json:"-"`
	UpdatedAt   time.Time `json:"-"`
}

// Domain states, as the admin API reports them (Domain.Status).
const (
	DomainUnverified = "unverified"
	DomainUnrecorded = "unrecorded"
	DomainActive     = "active"
)

// VerificationName returns the name of the TXT record that proves the
// ownership of d.
func (d *Domain) VerificationName() string { return VerificationPrefix + d.Domain }

// Verified reports whether the TXT record was found.
func (d *Domain) Verified() bool { return !d.VerifiedAt.IsZero() }

// Status says whether d serves: DomainActive once verified and, when
// requireRecord is set (the operator requires a filing), recorded;
// DomainUnverified or DomainUnrecorded for what it waits for.
func (d *Domain) Status(requireRecord bool) string {
	switch {
	case !d.Verified():
		return DomainUnverified
	case requireRecord && d.RecordNumber == "":
		return DomainUnrecorded
	}
	return DomainActive
}

// Serving reports whether d's group environment answers calls to it.
func (d *Domain) Serving(requireRecord bool) bool { return d.Status(requireRecord) == DomainActive }

// Validate checks a claim as the store receives it: a normalised domain,
// a group, an environment, and a certificate with its key or neither.
// The certificate itself is checked by ParseCertificate.
func (d *Domain) Validate() error {
	if d.Domain == "" {
		return missing("domain")
	}
	if n, err := NormalizeDomain(d.Domain); err != nil {
		return err
	} else if n != d.Domain {
		return invalid("domain", "%q is not normalised (%q)", d.Domain, n)
	}
	if d.GroupID == "" {
		return missing("groupId")
	}
	if err := ValidateEnvironment("environment", d.Environment); err != nil {
		return err
	}
	if (d.Certificate == "") != (d.PrivateKey == "") {
		if d.Certificate == "" {
			return missing("certificate")
		}
		return missing("privateKey")
	}
	return nil
}

// ValidateRecordNumber checks the operator's filing number: 1 to
// MaxRecordNumberLen characters (ICP numbers hold Chinese, as in
// 京ICP备12345678号-1), no control characters.
func ValidateRecordNumber(n string) error {
	if strings.TrimSpace(n) == "" {
		return missing("recordNumber")
	}
	if !utf8.ValidString(n) {
		return invalid("recordNumber", "not valid UTF-8")
	}
	if c := utf8.RuneCountInString(n); c > MaxRecordNumberLen {
		return invalid("recordNumber", "%d characters, at most %d allowed", c, MaxRecordNumberLen)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return invalid("recordNumber", "holds the control character %U", r)
		}
	}
	return nil
}

// domainProfile is IDNA's lookup profile, strict: what a resolver would
// look up, with the STD3 rules that keep "_", "*" and spaces out of a
// host name.
var domainProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(true),
	idna.BidiRule(), idna.ValidateLabels(true), idna.VerifyDNSLength(true))

// NormalizeDomain returns the one spelling of a custom domain that the
// gateway stores and compares: its IDNA ASCII form (which lower-cases it
// and maps full-width letters), without the trailing dot of a fully
// qualified name. So "Bücher.Example.", "xn--bcher-kva.example" and
// "BÜCHER.example" are one domain and cannot be claimed twice. A wildcard,
// an IP address, a name of one label, and anything IDNA refuses is
// errcode.ParamValueInvalid.
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", missing("domain")
	}
	if strings.HasPrefix(s, "*") {
		return "", invalid("domain", "%q: a wildcard cannot be bound; bind each name", s)
	}
	s = strings.TrimSuffix(s, ".")
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return "", invalid("domain", "%q: an IP address is not a domain", s)
	}
	a, err := domainProfile.ToASCII(s)
	if err != nil {
		return "", invalid("domain", "%q: not a host name: %v", s, err)
	}
	if !strings.Contains(a, ".") {
		return "", invalid("domain", "%q: a custom domain has at least two labels", s)
	}
	if last := a[strings.LastIndexByte(a, '.')+1:]; strings.Trim(last, "0123456789") == "" {
		return "", invalid("domain", "%q: the last label is a number", s)
	}
	return a, nil
}

// DomainUnder reports whether d, normalised, is parent or a name below
// it; parent must be normalised too (lower case, no trailing dot).
func DomainUnder(d, parent string) bool {
	return d == parent || strings.HasSuffix(d, "."+parent)
}

// DomainActions are the admin actions on custom domains. They are part of
// Actions (added at init, so that this file holds everything about
// domains). domains.record is the operator's alone.
var DomainActions = []string{"domains.create", "domains.read", "domains.verify", "domains.update", "domains.delete", "domains.record"}

func init() { Actions = append(Actions, DomainActions...) }

package auth

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// credential is what a SigV4-family Authorization header carries:
//
//	ALGORITHM Credential=AK/DATE/REGION/SERVICE/TERMINATOR, SignedHeaders=a;b, Signature=HEX
//
// (TC3's scope has no REGION). Every string points into the header.
type credential struct {
	AccessKey string
	// Scope is the credential scope as sent, everything after
	// "AccessKey/"; Date, Region, Service and Terminator are its parts.
	Scope                             string
	Date, Region, Service, Terminator string
	// SignedHeaders is the list as sent: lower-case names, sorted,
	// unique, separated by ';'.
	SignedHeaders string
	Signature     [32]byte
}

// parseAuthorization parses an Authorization header of the SigV4 family.
// It accepts the components in any order, separated by commas with optional
// spaces around them, each exactly once, and nothing else. regional says
// whether the scope names a region.
func parseAuthorization(h, algorithm string, regional bool) (credential, *errcode.Error) {
	var c credential
	rest, ok := strings.CutPrefix(h, algorithm)
	if !ok || rest == "" || rest[0] != ' ' {
		return c, refuse(errcode.AuthMalformedHeader, "Authorization", "it does not start with "+algorithm)
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.Trim(part, " ")
		name, value, ok := strings.Cut(part, "=")
		var seen *bool
		switch {
		case !ok:
			return c, refuse(errcode.AuthMalformedHeader, "Authorization", "a component is not name=value")
		case name == "Credential":
			cred, seen = value, &haveCred
		case name == "SignedHeaders":
			signed, seen = value, &haveSigned
		case name == "Signature":
			sig, seen = value, &haveSig
		default:
			return c, refuse(errcode.AuthMalformedHeader, "Authorization", "it has a component other than Credential, SignedHeaders and Signature")
		}
		if *seen {
			return c, refuse(errcode.AuthMalformedHeader, name, "it is given twice")
		}
		*seen = true
	}
	switch {
	case !haveCred:
		return c, errcode.New(errcode.AuthMissingKey, "Credential")
	case !haveSig || sig == "":
		return c, errcode.New(errcode.AuthMissingSignature, "Signature")
	case !haveSigned:
		return c, refuse(errcode.AuthMalformedHeader, "SignedHeaders", "it is missing")
	}
	if err := c.parseCredential(cred, regional); err != nil {
		return c, err
	}
	if !validSignedHeaders(signed) {
		return c, refuse(errcode.AuthMalformedHeader, "SignedHeaders", "it must list lower-case header names, sorted and unique, separated by ';'")
	}
	c.SignedHeaders = signed
	if !decodeHex(c.Signature[:], sig) {
		return c, refuse(errcode.AuthMalformedHeader, "Signature", "it must be 64 hex digits")
	}
	return c, nil
}

// parseCredential splits "AK/DATE/REGION/SERVICE/TERMINATOR".
func (c *credential) parseCredential(v string, regional bool) *errcode.Error {
	ak, scope, ok := strings.Cut(v, "/")
	if ak == "" {
		return errcode.New(errcode.AuthMissingKey, "Credential")
	}
	c.AccessKey, c.Scope = ak, scope
	parts := [4]*string{&c.Date, &c.Region, &c.Service, &c.Terminator}
	want := "AccessKey/Date/Region/Service/Terminator"
	if !regional {
		parts = [4]*string{&c.Date, &c.Service, &c.Terminator, nil}
		want = "AccessKey/Date/Service/Terminator"
	}
	rest, more := scope, false
	for _, p := range parts {
		if p == nil {
			break
		}
		var part string
		part, rest, more = strings.Cut(rest, "/")
		if part == "" {
			ok = false
		}
		*p = part
	}
	// more: a "/" after the terminator, even with nothing behind it, is
	// one component too many ("AK/DATE/SERVICE/TERMINATOR/").
	if !ok || rest != "" || more {
		return refuse(errcode.AuthMalformedHeader, "Credential", "it must be "+want)
	}
	return nil
}

// validSignedHeaders reports whether s is a non-empty list of lower-case
// header names (RFC 9110 tokens), strictly ascending, separated by ';'.
func validSignedHeaders(s string) bool {
	if s == "" {
		return false
	}
	prev := ""
	for s != "" {
		var name string
		name, s, _ = strings.Cut(s, ";")
		if name == "" || name <= prev {
			return false
		}
		for i := 0; i < len(name); i++ {
			if !headerNameByte(name[i]) {
				return false
			}
		}
		prev = name
	}
	return true
}

// headerNameByte reports whether c may appear in a lower-case header name.
func headerNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// signs reports whether the SignedHeaders list signed names name.
func signs(signed, name string) bool {
	for signed != "" {
		var n string
		n, signed, _ = strings.Cut(signed, ";")
		if n == name {
			return true
		}
	}
	return false
}

// decodeHex decodes s, upper- or lower-case hex, into dst, which it must
// fill exactly.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := hexValue[s[2*i]], hexValue[s[2*i+1]]
		if (hi|lo)&0xf0 != 0 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

// hexValue maps each byte to its value as a hex digit of either case, and
// every other byte to 0xff: one load per digit where the comparisons of
// percent.IsHex and percent.Unhex take a chain of branches, on every signature verified.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte(0); c < 16; c++ {
		t["0123456789abcdef"[c]] = c
		t["0123456789ABCDEF"[c]] = c
	}
	return t
}()

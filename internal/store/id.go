package store

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// Id prefixes of the kinds the store names.
const (
	GroupIDPrefix         = "g-"
	APIIDPrefix           = "api-"
	AuthorizationIDPrefix = "au-"
	BlacklistIDPrefix     = "bl-"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns prefix followed by ten random lowercase base32 characters
// (50 bits). Lowercase letters and digits 2-7 keep a group id a valid DNS
// label, so that it can be the first label of the group's host name.
func NewID(prefix string) string {
	var b [7]byte
	_, _ = rand.Read(b[:]) // never fails; see crypto/rand.Read
	return prefix + strings.ToLower(idEncoding.EncodeToString(b[:])[:10])
}

// NewDomainToken returns a new verification token of a custom domain:
// "tollgate-verify=" and 32 random lowercase base32 characters (160
// bits), which no one can guess and so publish without the claim.
func NewDomainToken() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // never fails; see crypto/rand.Read
	return "tollgate-verify=" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}

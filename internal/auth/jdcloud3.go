package auth

import "net/http"

// JDCloud3 is JD Cloud's JDCLOUD3-HMAC-SHA256: JDCLOUD2 with a stricter
// canonical form, that of JD's current signers and of the 31 published
// cases in testdata/jdcloud3/jdcloud3-signer-cases.json, all of which
// verify:
//
//   - URI: a leading '/' added; '+' is a space; escapes decoded (a bad one
//     kept as a literal '%'); runs of '/' collapsed, "%2F" counting as '/';
//     each segment encoded with the RFC 3986 unreserved set.
//   - Query: each name and value decoded the same way and encoded again;
//     parameters with an empty name dropped; sorted by name, then value.
//   - Headers: values trimmed only (inner spaces kept), several values of
//     one header joined by ','.
//   - Payload: x-jdcloud-content-sha256 when sent (a value that is not a
//     SHA-256 only with no body), else the body's SHA-256.
//
// x-jdcloud-date and x-jdcloud-nonce must be sent but need not be signed:
// JD's Python SDK (since 1.6.95) signs only content-type and host. The date
// is bound by the scope and the string to sign whether signed or not; an
// unsigned nonce is replaced, as the replay stage's single-use value, by
// the signature itself (Result.Nonce "sig:" and the signature in hex).
// JD's Java and Go signers never sign host, content-type or user-agent, so
// host is not required.
type JDCloud3 struct{}

var jdcloud3 = family{
	algorithm:   "JDCLOUD3-HMAC-SHA256",
	keyPrefix:   "JDCLOUD3",
	terminator:  "jdcloud3_request",
	regional:    true,
	dateHeader:  "x-jdcloud-date",
	nonceHeader: "x-jdcloud-nonce",
	hashHeader:  "x-jdcloud-content-sha256",
	opaqueHash:  true,
	// JD's Python SDK since 1.6.95 signs neither the date nor the nonce
	// (SignedHeaders=content-type;host). The date is in the string to
	// sign and must be the scope's day, so it is bound all the same; the
	// nonce is not, and the signature stands in for it (unsignedNonce).
	unsignedNonce: true,
	uri:           uriJD3,
	jd3Query:      true,
	value:         valueTrim,
	candidates:    jdcloud3Candidates,
	signable:      func(name string) bool { return !jdUnsigned[name] },
}

// jdUnsigned lists the headers JD's JDCLOUD3 signers never sign.
var jdUnsigned = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cache-control": true,
	"content-type": true, "content-length": true, "host": true, "expect": true,
	"max-forwards": true, "pragma": true, "range": true, "te": true,
	"if-match": true, "if-none-match": true, "if-modified-since": true,
	"if-unmodified-since": true, "if-range": true, "accept": true,
	"from": true, "referer": true, "user-agent": true, "x-jdcloud-request-id": true,
}

// Name returns "JDCLOUD3-HMAC-SHA256".
func (JDCloud3) Name() string { return jdcloud3.algorithm }

// Match reports whether r's Authorization header is of this scheme.
func (JDCloud3) Match(r *http.Request) bool { return authorizationIs(r, jdcloud3.algorithm) }

// Verify checks r's signature.
func (JDCloud3) Verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	return jdcloud3.verify(r, body, keys)
}

// Sign signs r with every header but those JD's signers leave out.
func (JDCloud3) Sign(r *http.Request, body []byte, s Signing) error {
	return jdcloud3.sign(r, body, s)
}

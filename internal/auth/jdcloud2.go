package auth

import (
	"net/http"
	"strings"
)

// JDCloud2 is JD Cloud's JDCLOUD2-HMAC-SHA256: SigV4 with JD's names (the
// key prefix "JDCLOUD2", the scope terminator "jdcloud2_request") and the
// time and nonce in x-jdcloud-date and x-jdcloud-nonce, which must both be
// signed. Its canonical URI is the path as sent, not encoded again (JD's Go
// SDK and its gateway-side Java signer both sign it so); its canonical
// query is the sorted form, or the query as sent (JD's Go SDK signs the raw
// query); header values are trimmed, inner runs of spaces collapsed. Host
// is not required to be signed: JD's own examples do not sign it.
type JDCloud2 struct{}

var jdcloud2 = family{
	algorithm:   "JDCLOUD2-HMAC-SHA256",
	keyPrefix:   "JDCLOUD2",
	terminator:  "jdcloud2_request",
	regional:    true,
	dateHeader:  "x-jdcloud-date",
	nonceHeader: "x-jdcloud-nonce",
	hashHeader:  "x-jdcloud-content-sha256",
	opaqueHash:  true,
	mustSign:    []string{"x-jdcloud-date", "x-jdcloud-nonce"},
	uri:         uriAsSent,
	value:       valueTrimCollapse,
	candidates:  jdcloud2Candidates,
	signable: func(name string) bool {
		return name == "host" || name == "content-type" ||
			strings.HasPrefix(name, "x-jdcloud-") && name != "x-jdcloud-request-id"
	},
}

// Name returns "JDCLOUD2-HMAC-SHA256".
func (JDCloud2) Name() string { return jdcloud2.algorithm }

// Match reports whether r's Authorization header is of this scheme.
func (JDCloud2) Match(r *http.Request) bool { return authorizationIs(r, jdcloud2.algorithm) }

// Verify checks r's signature.
func (JDCloud2) Verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	return jdcloud2.verify(r, body, keys)
}

// Sign signs r with host, Content-Type and every x-jdcloud-* header, as
// JD's Go SDK does.
func (JDCloud2) Sign(r *http.Request, body []byte, s Signing) error {
	return jdcloud2.sign(r, body, s)
}

package auth

import (
	"net/http"
	"strings"
)

// TC3 is Tencent Cloud API 3.0's TC3-HMAC-SHA256: SigV4 with the key prefix
// "TC3", a scope of Date/Service/tc3_request (Date as YYYY-MM-DD, the UTC
// day of the request) and the time, in Unix seconds, in X-TC-Timestamp.
// The time needs no signed header: it is in the string to sign. host must
// be signed. Header values are trimmed and lower-cased. Tencent's own APIs
// all live at "/", so its documents give "/" as the canonical URI; Tollgate
// signs the real request path, as sent, which is "/" for those. The region,
// which the scope lacks, is reported from X-TC-Region when it is signed.
type TC3 struct{}

var tc3 = family{
	algorithm:    "TC3-HMAC-SHA256",
	keyPrefix:    "TC3",
	terminator:   "tc3_request",
	dateHeader:   "x-tc-timestamp",
	unixDate:     true,
	regionHeader: "x-tc-region",
	mustSign:     []string{"host"},
	uri:          uriAsSent,
	value:        valueLowerTrim,
	candidates:   tc3Candidates,
	signable: func(name string) bool {
		return name == "host" || name == "content-type" || strings.HasPrefix(name, "x-tc-")
	},
}

// Name returns "TC3-HMAC-SHA256".
func (TC3) Name() string { return tc3.algorithm }

// Match reports whether r's Authorization header is of this scheme.
func (TC3) Match(r *http.Request) bool { return authorizationIs(r, tc3.algorithm) }

// Verify checks r's signature.
func (TC3) Verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	return tc3.verify(r, body, keys)
}

// Sign signs r with host, Content-Type and every X-TC-* header, setting
// X-TC-Region from s.Region when it is given.
func (TC3) Sign(r *http.Request, body []byte, s Signing) error { return tc3.sign(r, body, s) }

package auth

import (
	"net/http"
	"strings"
)

// AWS4 is AWS Signature Version 4 (AWS4-HMAC-SHA256) in the Authorization
// header, with the time in X-Amz-Date, so that curl --aws-sigv4 and the AWS
// SDKs' signers are clients. host and x-amz-date must be signed. An
// X-Amz-Content-Sha256 header, when sent, must be the body's SHA-256 or
// UNSIGNED-PAYLOAD (which leaves the body unsigned, as in S3).
//
// The canonical URI is the path as sent, encoded again, or as sent for the
// s3 service; the canonical query is the sorted form. Two client habits are
// accepted besides, both as curl 7.88 signs: the query in the order sent
// (tried only when it differs from the sorted form), and the path as sent
// for any service when it holds no '%' (see family.appendURIs).
//
// A presigned URL (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature in the query) is
// the same scheme: see presign.go.
type AWS4 struct{}

var aws4 = family{
	algorithm:       "AWS4-HMAC-SHA256",
	keyPrefix:       "AWS4",
	terminator:      "aws4_request",
	regional:        true,
	dateHeader:      "x-amz-date",
	hashHeader:      "x-amz-content-sha256",
	unsignedPayload: true,
	mustSign:        []string{"host", "x-amz-date"},
	uri:             uriSigV4,
	value:           valueTrimCollapse,
	candidates:      aws4Candidates,
	signable: func(name string) bool {
		return name == "host" || name == "content-type" || name == "content-md5" || strings.HasPrefix(name, "x-amz-")
	},
}

// Name returns "AWS4-HMAC-SHA256".
func (AWS4) Name() string { return aws4.algorithm }

// Match reports whether r's Authorization header is of this scheme, or r
// is a presigned URL (presign.go).
func (AWS4) Match(r *http.Request) bool {
	return authorizationIs(r, aws4.algorithm) || Presigned(r)
}

// Verify checks r's signature, in the Authorization header or, for a
// presigned URL, in the query.
func (AWS4) Verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	if Presigned(r) {
		return aws4.verifyPresigned(r, body, keys)
	}
	return aws4.verify(r, body, keys)
}

// Sign signs r with host, X-Amz-Date, Content-Type, Content-MD5 and every
// X-Amz-* header.
func (AWS4) Sign(r *http.Request, body []byte, s Signing) error { return aws4.sign(r, body, s) }

// Package auth verifies signed requests. Each signature scheme lives in its
// own file and implements Scheme, to verify, and Signer, to sign (for the
// CLI and for tests); schemes that share a canonical form share the code
// that builds it (sigv4.go for the SigV4 family). A scheme proves that the
// request was signed with a secret of the access key it names, and reports
// when it was signed and with which nonce; the replay window, the nonce
// store and the key's state are checked by later stages of the pipeline,
// not here.
//
// README.md beside this file gives each scheme's canonical form, what is
// accepted and refused, and the published examples and clients each was
// proven against.
package auth

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"time"
)

// Key is what a scheme needs of an access key: its secrets. While a rotated
// key is in its grace period it has two, the newest first; a signature made
// with either is accepted.
type Key struct {
	AccessKey string
	Secrets   [][]byte
}

// Keys finds keys by access key (or app key). It must be safe for
// concurrent use and must not block: the data plane calls it per request.
type Keys interface {
	Key(accessKey string) (Key, bool)
}

// Result is what a verified request proved.
type Result struct {
	Scheme    string
	AccessKey string
	// SignedAt is the request's own time (its date header or timestamp
	// parameter). Zero when the scheme carries only an expiry.
	SignedAt time.Time
	// Expires is set by schemes that carry an expiry instead of a signing
	// time (Zenith).
	Expires time.Time
	// Nonce is the single-use value the request carries, or "".
	Nonce string
	// Presigned says the credentials came in the query (a SigV4
	// presigned URL, presign.go): the request is valid from SignedAt
	// (less the clock skew allowed) until Expires, however often it is
	// sent, and carries no nonce.
	Presigned bool
	// Region and Service are the credential scope's, as the client signed
	// them, for schemes that have one.
	Region, Service string
}

// Scheme is one signature scheme.
type Scheme interface {
	// Name is the scheme's identifier as a group configures it, e.g.
	// "AWS4-HMAC-SHA256".
	Name() string
	// Match reports whether r carries this scheme's credentials (its
	// Authorization prefix or its query parameters). It must be cheap.
	Match(r *http.Request) bool
	// Verify checks r's signature against the key it names. body is the
	// request body, already read, for schemes that sign it. It returns a
	// *errcode.Error for each missing, malformed, unknown or mismatched
	// part. Comparisons of signatures are constant-time. Verify does not
	// judge the time: it reports it in the Result.
	Verify(r *http.Request, body []byte, keys Keys) (Result, error)
}

// Signing is what a signer needs besides the request.
type Signing struct {
	AccessKey string
	Secret    []byte
	// Time is when the request is signed.
	Time time.Time
	// Expires is when a Zenith signature stops being valid; zero means
	// 15 minutes after Time.
	Expires time.Time
	// Nonce is the single-use value for the schemes that carry one
	// (JDCLOUD2, JDCLOUD3, Tencent v1); a random one is made when empty.
	Nonce string
	// Region and Service are the credential scope's (SigV4 family; TC3
	// sends the region as X-TC-Region, Tencent v1 as the Region parameter).
	Region, Service string
}

// Signer signs requests for a scheme. Every scheme of this package is both
// a Scheme and a Signer.
type Signer interface {
	// Sign signs r, whose body is body, setting the headers or query
	// parameters the scheme carries its credentials in.
	Sign(r *http.Request, body []byte, s Signing) error
}

// randomUint32 returns a random positive number, Tencent v1's nonce.
func randomUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])>>1 + 1
}

// randomNonce returns 128 random bits in hex.
func randomNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

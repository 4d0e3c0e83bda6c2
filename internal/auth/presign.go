package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// A presigned URL (SigV4 query authentication) carries in its query what
// the header form carries in Authorization and X-Amz-Date:
//
//	X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2FDATE%2FREGION%2FSERVICE%2Faws4_request
//	&X-Amz-Date=20060102T150405Z&X-Amz-Expires=SECONDS&X-Amz-SignedHeaders=host
//	[&X-Amz-Security-Token=TOKEN]&X-Amz-Signature=HEX
//
// as aws-sdk-go-v2's PresignHTTP and botocore's generate_presigned_url
// make them. The canonical request is the header form's, with the sorted
// query of every parameter but X-Amz-Signature, and as payload hash
// UNSIGNED-PAYLOAD (S3, and PresignHTTP as most callers use it) or the
// body's SHA-256 (botocore for every service but S3, which moves the body
// into the query and so signs the hash of an empty body). JD Cloud's SDKs
// make no presigned URLs: JDCLOUD2 and JDCLOUD3 have no query form.

// The query parameters of a presigned URL.
const (
	presignAlgorithm     = "X-Amz-Algorithm"
	presignCredential    = "X-Amz-Credential"
	presignDate          = "X-Amz-Date"
	presignExpires       = "X-Amz-Expires"
	presignSignedHeaders = "X-Amz-SignedHeaders"
	presignSignature     = "X-Amz-Signature"
	presignSecurityToken = "X-Amz-Security-Token"
)

// PresignParams are the query parameters a presigned URL carries its
// credentials in; the gateway removes them before the call goes upstream.
var PresignParams = []string{
	presignAlgorithm, presignCredential, presignDate, presignExpires,
	presignSignedHeaders, presignSignature, presignSecurityToken,
}

// MaxPresignExpires is the longest life a presigned URL may claim, as in
// S3: seven days.
const MaxPresignExpires = 7 * 24 * time.Hour

// unsignedPayload is the payload hash of a request whose body is not
// signed.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// presignedQuery is what a presigned URL's query carries.
type presignedQuery struct {
	credential
	// Date is X-Amz-Date as sent (decoded), SignedAt the time it says.
	Date     string
	SignedAt time.Time
	// Expires is X-Amz-Expires: how long after SignedAt the URL works.
	Expires time.Duration
}

// Presigned reports whether r carries a presigned URL's credentials: a
// query parameter named, as sent, X-Amz-Algorithm, X-Amz-Credential or
// X-Amz-Signature. It reads only the raw query and allocates nothing.
func Presigned(r *http.Request) bool {
	raw := r.URL.RawQuery
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(piece, "=")
		if len(name) < len("X-Amz-") || name[:len("X-Amz-")] != "X-Amz-" {
			continue
		}
		switch name {
		case presignAlgorithm, presignCredential, presignSignature:
			return true
		}
	}
	return false
}

// parsePresignedQuery reads a presigned URL's parameters from raw, the
// query as sent. Names and values are decoded leniently, as the canonical
// query decodes them, so that an escaped spelling of a name is the same
// parameter there and here. Each parameter may appear once. algorithm is
// the family's; regional says whether its scope names a region.
func parsePresignedQuery(raw, algorithm string, regional bool) (presignedQuery, *errcode.Error) {
	var q presignedQuery
	var vals [len(presignNames)]string
	var have [len(presignNames)]bool
	var nameBuf [32]byte
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		name, value, _ := strings.Cut(piece, "=")
		if len(name) < len("X-Amz-") || len(name) > 3*len(presignSignedHeaders) {
			continue // too short or too long to be one of ours, however escaped
		}
		decoded := appendUnescaped(nameBuf[:0], name, true)
		i := presignIndex(decoded)
		if i < 0 {
			continue
		}
		if have[i] {
			return q, refuse(errcode.AuthMalformedHeader, presignNames[i], "it is given twice")
		}
		have[i] = true
		vals[i] = value
		if strings.ContainsAny(value, "%+") {
			vals[i] = string(appendUnescaped(nil, value, true))
		}
	}
	switch {
	case !have[0]:
		return q, refuse(errcode.AuthMalformedHeader, presignAlgorithm, "it is missing")
	case vals[0] != algorithm:
		return q, refuse(errcode.AuthMalformedHeader, presignAlgorithm, "it must be "+algorithm)
	case !have[1] || vals[1] == "":
		return q, errcode.New(errcode.AuthMissingKey, presignCredential)
	case !have[5] || vals[5] == "":
		return q, errcode.New(errcode.AuthMissingSignature, presignSignature)
	case !have[2] || vals[2] == "":
		return q, errcode.New(errcode.AuthMissingTimestamp, presignDate)
	case !have[3] || vals[3] == "":
		return q, errcode.New(errcode.AuthMissingTimestamp, presignExpires)
	case !have[4]:
		return q, refuse(errcode.AuthMalformedHeader, presignSignedHeaders, "it is missing")
	}
	if err := q.parseCredential(vals[1], regional); err != nil {
		err.Subject = presignCredential
		return q, err
	}
	if !validSignedHeaders(vals[4]) {
		return q, refuse(errcode.AuthMalformedHeader, presignSignedHeaders, "it must list lower-case header names, sorted and unique, separated by ';'")
	}
	q.SignedHeaders = vals[4]
	if !decodeHex(q.Signature[:], vals[5]) {
		return q, refuse(errcode.AuthMalformedHeader, presignSignature, "it must be 64 hex digits")
	}
	t, err := time.Parse(sigV4Time, vals[2])
	if err != nil {
		return q, refuse(errcode.AuthBadTimestamp, presignDate, "it must be YYYYMMDDTHHMMSSZ")
	}
	q.Date, q.SignedAt = vals[2], t
	exp, err := strconv.ParseUint(vals[3], 10, 32)
	if err != nil || exp < 1 || time.Duration(exp)*time.Second > MaxPresignExpires {
		return q, refuse(errcode.AuthMalformedHeader, presignExpires, "it must be whole seconds from 1 to 604800 (7 days)")
	}
	q.Expires = time.Duration(exp) * time.Second
	return q, nil
}

// presignNames are the parameters parsePresignedQuery reads, in the order
// of its arrays: algorithm, credential, date, expires, signed headers,
// signature. The security token is not read: it is signed like any other
// parameter of the query.
var presignNames = [...]string{presignAlgorithm, presignCredential, presignDate, presignExpires, presignSignedHeaders, presignSignature}

func presignIndex(name []byte) int {
	for i, n := range presignNames {
		if string(name) == n {
			return i
		}
	}
	return -1
}

// verifyPresigned checks a presigned URL's signature. It does not judge
// the time: Result.SignedAt and Result.Expires say when the URL is valid,
// and Result.Presigned tells the replay stage to read them as a validity
// period rather than a signing time and a window.
func (f *family) verifyPresigned(r *http.Request, body []byte, keys Keys) (Result, error) {
	if _, ok := r.Header["Authorization"]; ok {
		return Result{}, refuse(errcode.AuthMalformedHeader, "Authorization",
			"a request is signed either in the Authorization header or in the query (X-Amz-Signature), not both")
	}
	q, perr := parsePresignedQuery(r.URL.RawQuery, f.algorithm, f.regional)
	if perr != nil {
		return Result{}, perr
	}
	for _, name := range f.mustSign {
		// The date is in the query, which the canonical query signs.
		if name != f.dateHeader && !signs(q.SignedHeaders, name) {
			return Result{}, refuse(errcode.AuthMalformedHeader, presignSignedHeaders, name+" must be among the signed headers")
		}
	}
	if err := f.checkScope(&q.credential, q.Date, q.SignedAt); err != nil {
		if e, ok := err.(*errcode.Error); ok && e.Subject == "Credential" {
			e.Subject = presignCredential
		}
		return Result{}, err
	}
	key, ok := keys.Key(q.AccessKey)
	if !ok {
		return Result{}, errcode.New(errcode.KeyNotFound, q.AccessKey)
	}

	s := getScratch()
	defer putScratch(s)
	// The payload hash: an X-Amz-Content-Sha256 header is read as in the
	// header form (it must be the body's hash or UNSIGNED-PAYLOAD);
	// without one the client signed UNSIGNED-PAYLOAD or the body's hash,
	// and both are tried, the body's being the body actually received.
	payloads := [2]string{unsignedPayload}
	npayload := 2
	if _, sent := r.Header["X-Amz-Content-Sha256"]; sent && f.hashHeader != "" {
		if err := f.appendPayloadHash(s, r, body); err != nil {
			return Result{}, err
		}
		payloads[0], npayload = string(s.payload), 1
	} else {
		sum := sha256.Sum256(body)
		payloads[1] = hex.EncodeToString(sum[:])
	}
	s.headers = appendCanonicalHeaders(s.headers[:0], r, q.SignedHeaders, f.value, r.Host)
	nuri := f.appendURIs(s, requestPath(r.URL), q.Service)
	s.qb.reset()
	s.qb.add(r.URL.RawQuery, paramForm{reescape: true, drop: presignDropped[:]})
	s.queries[0] = s.qb.appendSorted(s.queries[0][:0])

	var hashes [4][sha256.Size]byte
	n := 0
	for i := range nuri {
		for _, p := range payloads[:npayload] {
			s.payload = append(s.payload[:0], p...)
			s.req = f.appendCanonicalRequest(s.req[:0], r.Method, s.uri[i], s.queries[0], s.headers, q.SignedHeaders, s.payload)
			hashes[n] = sha256.Sum256(s.req)
			n++
		}
	}
	for _, secret := range key.Secrets {
		kh := signingKeys.hash(f, secret, &q.credential)
		signingKey, cached := signingKeys.get(f, secret, &q.credential, kh)
		if !cached {
			signingKey = f.signingKey(s, secret, &q.credential)
		}
		for _, h := range hashes[:n] {
			s.sts = f.appendStringToSign(s.sts[:0], q.Date, q.Scope, &h)
			var sig [sha256.Size]byte
			sig, s.mac = hmacSHA256(s.mac, signingKey[:], s.sts)
			if hmac.Equal(sig[:], q.Signature[:]) {
				if !cached {
					signingKeys.put(f, secret, &q.credential, kh, &signingKey)
				}
				return Result{
					Scheme:    f.algorithm,
					AccessKey: q.AccessKey,
					SignedAt:  q.SignedAt,
					Expires:   q.SignedAt.Add(q.Expires),
					Presigned: true,
					Region:    q.Region,
					Service:   q.Service,
				}, nil
			}
		}
	}
	return Result{}, errcode.New(errcode.SignatureMismatch, presignSignature)
}

// presignDropped is what the canonical query of a presigned URL leaves
// out: the signature, and nothing else.
var presignDropped = [...]string{presignSignature}

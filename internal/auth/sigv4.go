package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// The SigV4 family — AWS4-HMAC-SHA256, JDCLOUD2-HMAC-SHA256,
// JDCLOUD3-HMAC-SHA256 and TC3-HMAC-SHA256 — shares one construction:
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n
//	                   CanonicalHeaders \n SignedHeaders \n PayloadHash
//	StringToSign     = Algorithm \n RequestTime \n Scope \n hex(SHA256(CanonicalRequest))
//	SigningKey       = HMAC(HMAC(HMAC(HMAC(Prefix+Secret, Date), Region), Service), Terminator)
//	Signature        = hex(HMAC(SigningKey, StringToSign))
//
// The members differ only in names and in a few canonicalisation rules,
// which a family value spells out; this file does the rest once for all.

// uriForm is how a member canonicalises the path.
type uriForm int

const (
	uriAsSent uriForm = iota // the path as sent
	uriSigV4                 // AWS: encoded again, but as sent for S3 (see appendURIs)
	uriJD3                   // decoded, slashes collapsed, encoded (appendJD3Path)
)

// family describes one member of the SigV4 family.
type family struct {
	algorithm  string // "AWS4-HMAC-SHA256"
	keyPrefix  string // "AWS4", prepended to the secret
	terminator string // "aws4_request"
	// regional says whether the scope is Date/Region/Service/Terminator
	// (else Date/Service/Terminator, TC3).
	regional bool
	// dateHeader holds the signing time: "20060102T150405Z", or Unix
	// seconds when unixDate (TC3). The request time in the string to sign
	// is its value as sent.
	dateHeader string
	unixDate   bool
	// nonceHeader, if any, must be present; its value is reported as
	// Result.Nonce. It must be signed too (mustSign), unless
	// unsignedNonce.
	nonceHeader string
	// unsignedNonce accepts a nonce header left out of SignedHeaders (JD
	// Cloud's Python SDK since 1.6.95, JDCLOUD3). An unsigned nonce proves
	// nothing, so Result.Nonce is then the signature itself (see
	// signatureNonce): a copy of the request is still refused.
	unsignedNonce bool
	// hashHeader, if any, may carry the payload hash in place of the
	// body's (x-amz-content-sha256).
	hashHeader string
	// unsignedPayload allows hashHeader to say UNSIGNED-PAYLOAD (AWS).
	unsignedPayload bool
	// opaqueHash allows hashHeader to hold a value that is not a SHA-256,
	// used as it stands, when there is no body (JD's signers do this).
	opaqueHash bool
	// regionHeader, when signed, gives Result.Region for a scope that
	// names none (TC3's X-TC-Region).
	regionHeader string
	// mustSign lists the headers that must be among SignedHeaders.
	mustSign []string
	uri      uriForm
	// jd3Query selects JDCLOUD3's sorted canonical query, which drops
	// nameless parameters.
	jd3Query bool
	// candidates are the canonical requests tried, in order
	// (candidates.go).
	candidates []candidate
	value      valueForm
	// signable chooses, by lower-case name, the headers the signer signs
	// besides those of mustSign, the nonce and the payload hash header.
	signable func(name string) bool
	// signQueryAsSent makes the signer sign the query as sent, unsorted,
	// the way curl 7.88 and JD's Go SDK do; tests use it to stand in for
	// those clients.
	signQueryAsSent bool
}

// verify checks r's SigV4-family signature.
func (f *family) verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	auth := r.Header["Authorization"]
	switch {
	case len(auth) == 0:
		return Result{}, errcode.New(errcode.AuthMissingSignature, "Authorization")
	case len(auth) > 1:
		return Result{}, refuse(errcode.AuthMalformedHeader, "Authorization", "it is sent more than once")
	}
	c, perr := parseAuthorization(auth[0], f.algorithm, f.regional)
	if perr != nil {
		return Result{}, perr
	}
	date, signedAt, err := f.requestTime(r)
	if err != nil {
		return Result{}, err
	}
	var nonce string
	if f.nonceHeader != "" {
		if v := headerValues(r.Header, f.nonceHeader); len(v) > 0 {
			nonce = v[0]
		}
		if nonce == "" {
			return Result{}, errcode.New(errcode.AuthMissingNonce, f.nonceHeader)
		}
	}
	for _, name := range f.mustSign {
		if !signs(c.SignedHeaders, name) {
			return Result{}, refuse(errcode.AuthMalformedHeader, name, "it must be among the SignedHeaders")
		}
	}
	if err := f.checkScope(&c, date, signedAt); err != nil {
		return Result{}, err
	}
	key, ok := keys.Key(c.AccessKey)
	if !ok {
		return Result{}, errcode.New(errcode.KeyNotFound, c.AccessKey)
	}

	s := getScratch()
	defer putScratch(s)
	if err := f.appendPayloadHash(s, r, body); err != nil {
		return Result{}, err
	}
	s.headers = appendCanonicalHeaders(s.headers[:0], r, c.SignedHeaders, f.value, requestHost(r))
	s.queries[0] = s.qb.appendSortedQuery(s.queries[0][:0], r.URL.RawQuery, f.jd3Query)
	cands := candidateHashes{f: f, r: r, s: s, signed: c.SignedHeaders,
		nuri: f.appendURIs(s, requestPath(r.URL), c.Service)}

	// Each candidate's canonical request is built and hashed only once
	// every candidate before it has failed, and at most once whatever the
	// number of secrets; each secret costs one key derivation and one
	// HMAC per candidate it is tried with.
	var hashes [maxCandidates][sha256.Size]byte
	n := 0
	for _, secret := range key.Secrets {
		// The signing key comes from the cache when this secret has
		// verified a request of this scope before (keycache.go).
		kh := signingKeys.hash(f, secret, &c)
		signingKey, cached := signingKeys.get(f, secret, &c, kh)
		if !cached {
			signingKey = f.signingKey(s, secret, &c)
		}
		for i := 0; ; i++ {
			if i == n {
				if n == len(hashes) || !cands.nextHash(&hashes[n]) {
					break
				}
				n++
			}
			s.sts = f.appendStringToSign(s.sts[:0], date, c.Scope, &hashes[i])
			var sig [sha256.Size]byte
			sig, s.mac = hmacSHA256(s.mac, signingKey[:], s.sts)
			if hmac.Equal(sig[:], c.Signature[:]) {
				if !cached {
					signingKeys.put(f, secret, &c, kh, &signingKey)
				}
				if nonce != "" && f.unsignedNonce && !signs(c.SignedHeaders, f.nonceHeader) {
					nonce = signatureNonce(&c.Signature)
				}
				return Result{
					Scheme:    f.algorithm,
					AccessKey: c.AccessKey,
					SignedAt:  signedAt,
					Nonce:     nonce,
					Region:    f.region(r, &c),
					Service:   c.Service,
				}, nil
			}
		}
	}
	return Result{}, errcode.New(errcode.SignatureMismatch, "Signature")
}

// requestTime returns the date header's value and the time it says.
func (f *family) requestTime(r *http.Request) (string, time.Time, error) {
	var v string
	if vals := headerValues(r.Header, f.dateHeader); len(vals) > 0 {
		v = vals[0]
	}
	if v == "" {
		return "", time.Time{}, errcode.New(errcode.AuthMissingTimestamp, f.dateHeader)
	}
	if f.unixDate {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || v[0] < '0' || v[0] > '9' || sec > 1<<40 {
			return "", time.Time{}, refuse(errcode.AuthBadTimestamp, f.dateHeader, "it must be Unix seconds")
		}
		return v, time.Unix(sec, 0).UTC(), nil
	}
	t, err := time.Parse(sigV4Time, v)
	if err != nil {
		return "", time.Time{}, refuse(errcode.AuthBadTimestamp, f.dateHeader, "it must be YYYYMMDDTHHMMSSZ")
	}
	return v, t, nil
}

const (
	sigV4Time = "20060102T150405Z"
	sigV4Date = "20060102"
	tc3Date   = "2006-01-02"
)

// checkScope checks the scope's date against the request's day and its
// terminator against the family's.
func (f *family) checkScope(c *credential, date string, t time.Time) error {
	var day string
	if f.unixDate {
		var buf [len(tc3Date)]byte
		if c.Date != string(t.AppendFormat(buf[:0], tc3Date)) {
			day = "the UTC day of " + f.dateHeader + " as YYYY-MM-DD"
		}
	} else if c.Date != date[:len(sigV4Date)] {
		day = "the day of " + f.dateHeader
	}
	if day != "" {
		return refuse(errcode.AuthBadTimestamp, "Credential", "its date must be "+day)
	}
	if c.Terminator != f.terminator {
		return refuse(errcode.AuthMalformedHeader, "Credential", "its scope must end in "+f.terminator)
	}
	return nil
}

// appendPayloadHash puts the payload hash into s.payload.
func (f *family) appendPayloadHash(s *scratch, r *http.Request, body []byte) error {
	v, ok := "", false
	if f.hashHeader != "" {
		if vals := headerValues(r.Header, f.hashHeader); len(vals) > 0 {
			v, ok = vals[0], true
		}
	}
	sum := sha256.Sum256(body)
	switch {
	case !ok:
		s.payload = hex.AppendEncode(s.payload[:0], sum[:])
	case len(v) == 2*sha256.Size && isLowerHex(v):
		// The header vouches for the body; the body must agree, or the
		// body would not be covered by the signature at all.
		s.payload = hex.AppendEncode(s.payload[:0], sum[:])
		if string(s.payload) != v {
			return refuse(errcode.SignatureMismatch, f.hashHeader, "it is not the SHA-256 of the body")
		}
	case v == "UNSIGNED-PAYLOAD" && f.unsignedPayload:
		s.payload = append(s.payload[:0], v...)
	case f.opaqueHash && len(body) == 0:
		s.payload = append(s.payload[:0], v...)
	default:
		return refuse(errcode.AuthMalformedHeader, f.hashHeader, "it must be the body's SHA-256 in lower-case hex")
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// appendURIs puts the canonical URI candidates into s.uri and returns how
// many there are.
//
// For AWS4 the normative form is the path encoded again (every service but
// S3), or as sent (S3). curl 7.88's --aws-sigv4 signs the path as sent
// whatever the service, so that form is accepted too, but only when the
// path holds no '%': then the two forms cannot name different paths (were
// a '%' allowed, "/a%2520b" as sent would equal "/a%20b" encoded again,
// letting one path's signature serve another).
func (f *family) appendURIs(s *scratch, p, service string) int {
	switch f.uri {
	case uriJD3:
		s.uri[0] = appendJD3Path(s.uri[0][:0], p)
		return 1
	case uriSigV4:
		if service == "s3" {
			break
		}
		s.uri[0] = appendPathEncoded(s.uri[0][:0], p)
		if strings.IndexByte(p, '%') >= 0 {
			return 1
		}
		s.uri[1] = appendPathAsSent(s.uri[1][:0], p)
		if string(s.uri[1]) == string(s.uri[0]) {
			return 1
		}
		return 2
	}
	s.uri[0] = appendPathAsSent(s.uri[0][:0], p)
	return 1
}

// appendCanonicalRequest appends the canonical request.
func (f *family) appendCanonicalRequest(dst []byte, method string, uri, query, headers []byte, signed string, payload []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = append(dst, uri...)
	dst = append(dst, '\n')
	dst = append(dst, query...)
	dst = append(dst, '\n')
	dst = append(dst, headers...)
	dst = append(dst, '\n')
	dst = append(dst, signed...)
	dst = append(dst, '\n')
	return append(dst, payload...)
}

// appendStringToSign appends the string to sign.
func (f *family) appendStringToSign(dst []byte, date, scope string, h *[sha256.Size]byte) []byte {
	dst = append(dst, f.algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, date...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, h[:])
}

// signingKey derives the signing key of secret for c's scope.
func (f *family) signingKey(s *scratch, secret []byte, c *credential) [sha256.Size]byte {
	s.key = append(append(s.key[:0], f.keyPrefix...), secret...)
	var k [sha256.Size]byte
	k, s.mac = hmacSHA256(s.mac, s.key, c.Date)
	if f.regional {
		k, s.mac = hmacSHA256(s.mac, k[:], c.Region)
	}
	k, s.mac = hmacSHA256(s.mac, k[:], c.Service)
	k, s.mac = hmacSHA256(s.mac, k[:], c.Terminator)
	clear(s.key)
	return k
}

// signatureNonce returns the replay key of a request whose nonce is not
// signed: its signature, which covers the request and its time, so that
// only a copy of the request has it. The "sig:" prefix keeps it apart from
// the nonces clients send (a client could only choose one equal to it for
// its own key, refusing its own request).
func signatureNonce(sig *[sha256.Size]byte) string {
	var b [4 + 2*sha256.Size]byte
	copy(b[:], "sig:")
	hex.Encode(b[4:], sig[:])
	return string(b[:])
}

// region returns the region the client signed: the scope's, or for a
// scope without one, the region header's value where it is signed.
func (f *family) region(r *http.Request, c *credential) string {
	if f.regional {
		return c.Region
	}
	if f.regionHeader != "" && signs(c.SignedHeaders, f.regionHeader) {
		if v := headerValues(r.Header, f.regionHeader); len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// sign signs r as the family's signer does: it sets the date header, the
// nonce header, and Authorization over the headers f.signable chooses plus
// those, the canonical URI and query in their normative forms.
func (f *family) sign(r *http.Request, body []byte, sg Signing) error {
	if sg.AccessKey == "" || len(sg.Secret) == 0 {
		return fmt.Errorf("auth: %s: signing needs an access key and a secret", f.algorithm)
	}
	if sg.Service == "" || f.regional && sg.Region == "" {
		return fmt.Errorf("auth: %s: signing needs a service and a region", f.algorithm)
	}
	t := sg.Time.UTC()
	var date, scopeDate string
	if f.unixDate {
		date, scopeDate = strconv.FormatInt(t.Unix(), 10), t.Format(tc3Date)
	} else {
		date, scopeDate = t.Format(sigV4Time), t.Format(sigV4Date)
	}
	r.Header.Set(f.dateHeader, date)
	if f.nonceHeader != "" {
		nonce := sg.Nonce
		if nonce == "" {
			nonce = randomNonce()
		}
		r.Header.Set(f.nonceHeader, nonce)
	}
	if f.regionHeader != "" && sg.Region != "" {
		r.Header.Set(f.regionHeader, sg.Region)
	}
	scope := scopeDate + "/" + sg.Service + "/" + f.terminator
	if f.regional {
		scope = scopeDate + "/" + sg.Region + "/" + sg.Service + "/" + f.terminator
	}
	c := credential{AccessKey: sg.AccessKey, Scope: scope, Date: scopeDate, Region: sg.Region, Service: sg.Service, Terminator: f.terminator}
	c.SignedHeaders = f.signedHeaders(r)

	s := new(scratch)
	if err := f.appendPayloadHash(s, r, body); err != nil {
		return err
	}
	s.headers = appendCanonicalHeaders(nil, r, c.SignedHeaders, f.value, requestHost(r))
	f.appendURIs(s, requestPath(r.URL), sg.Service)
	query := s.qb.appendSortedQuery(nil, r.URL.RawQuery, f.jd3Query)
	if f.signQueryAsSent {
		query = []byte(r.URL.RawQuery)
	}
	s.req = f.appendCanonicalRequest(nil, r.Method, s.uri[0], query, s.headers, c.SignedHeaders, s.payload)
	h := sha256.Sum256(s.req)
	key := f.signingKey(s, sg.Secret, &c)
	sig, _ := hmacSHA256(nil, key[:], f.appendStringToSign(nil, date, scope, &h))
	r.Header.Set("Authorization", f.algorithm+" Credential="+sg.AccessKey+"/"+scope+
		", SignedHeaders="+c.SignedHeaders+", Signature="+hex.EncodeToString(sig[:]))
	return nil
}

// signedHeaders returns the SignedHeaders list the signer uses for r.
func (f *family) signedHeaders(r *http.Request) string {
	var names []string
	if f.signable("host") {
		names = append(names, "host")
	}
	for k := range r.Header {
		name := strings.ToLower(k)
		if name == f.nonceHeader || name == f.hashHeader || slices.Contains(f.mustSign, name) || f.signable(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), ";")
}

// authorizationIs reports whether r's Authorization header starts with
// algorithm and a space.
func authorizationIs(r *http.Request, algorithm string) bool {
	h := r.Header.Get("Authorization")
	return len(h) > len(algorithm) && h[len(algorithm)] == ' ' && h[:len(algorithm)] == algorithm
}

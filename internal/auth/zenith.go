package auth

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Zenith is the Zenith vision cloud's query signature, in the style of OSS
// and S3 signature v2 query authentication: the query carries accesskey_id,
// expires (Unix seconds) and signature, the base64 of
//
//	HMAC-SHA1(secret, VERB \n Content-MD5 \n Content-Type \n expires \n CanonicalResource)
//
// where Content-MD5 and Content-Type are the headers' values, or empty.
// CanonicalResource is the path as sent, then, when the query has other
// parameters, '?' and those parameters in the SigV4 canonical form (decoded,
// encoded again with the RFC 3986 unreserved set, sorted by name then
// value). Unlike OSS, which signs only its sub-resources, every other
// parameter is signed: a gateway cannot know which ones matter.
//
// The body is covered only through Content-MD5: when that header is sent
// it must be the body's MD5. There is no nonce, and no signing time:
// Result.Expires is set instead.
type Zenith struct{}

const zenithName = "ZENITH"

// zenithParams is how the canonical resource lists the other parameters.
var zenithParams = paramForm{reescape: true, drop: []string{"accesskey_id", "expires", "signature"}}

// Name returns "ZENITH".
func (Zenith) Name() string { return zenithName }

// Match reports whether r's query carries accesskey_id and signature.
func (Zenith) Match(r *http.Request) bool {
	return hasParam(r.URL.RawQuery, "accesskey_id") && hasParam(r.URL.RawQuery, "signature")
}

// Verify checks r's signature.
func (Zenith) Verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	q := r.URL.RawQuery
	id, _ := queryParam(q, "accesskey_id")
	if id == "" {
		return Result{}, errcode.New(errcode.AuthMissingKey, "accesskey_id")
	}
	exp, _ := queryParam(q, "expires")
	if exp == "" {
		return Result{}, errcode.New(errcode.AuthMissingTimestamp, "expires")
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || exp[0] < '0' || exp[0] > '9' {
		return Result{}, refuse(errcode.AuthBadTimestamp, "expires", "it must be Unix seconds")
	}
	sig, _ := queryParam(q, "signature")
	if sig == "" {
		return Result{}, errcode.New(errcode.AuthMissingSignature, "signature")
	}
	var want [sha1.Size]byte
	if !decodeBase64(want[:], sig) {
		return Result{}, errcode.New(errcode.SignatureMismatch, "signature")
	}
	if md, ok := headerValue(r.Header, "Content-Md5"); ok {
		sum := md5.Sum(body)
		var got [md5.Size]byte
		if !decodeBase64(got[:], md) || got != sum {
			return Result{}, refuse(errcode.SignatureMismatch, "Content-MD5", "it is not the MD5 of the body")
		}
	}
	key, ok := keys.Key(id)
	if !ok {
		return Result{}, errcode.New(errcode.KeyNotFound, id)
	}
	s := getScratch()
	defer putScratch(s)
	s.req = appendZenithStringToSign(s, r, exp)
	for _, secret := range key.Secrets {
		var got [sha1.Size]byte
		got, s.mac = hmacSHA1(s.mac, secret, s.req)
		if hmac.Equal(got[:], want[:]) {
			return Result{Scheme: zenithName, AccessKey: id, Expires: time.Unix(sec, 0).UTC()}, nil
		}
	}
	return Result{}, errcode.New(errcode.SignatureMismatch, "signature")
}

// appendZenithStringToSign returns the string to sign in s.req.
func appendZenithStringToSign(s *scratch, r *http.Request, expires string) []byte {
	md, _ := headerValue(r.Header, "Content-Md5")
	ct, _ := headerValue(r.Header, "Content-Type")
	b := append(s.req[:0], r.Method...)
	b = append(append(b, '\n'), md...)
	b = append(append(b, '\n'), ct...)
	b = append(append(b, '\n'), expires...)
	b = append(b, '\n')
	b = appendPathAsSent(b, requestPath(r.URL))
	s.qb.reset()
	s.qb.add(r.URL.RawQuery, zenithParams)
	if len(s.qb.pairs) > 0 {
		b = s.qb.appendSorted(append(b, '?'))
	}
	return b
}

// decodeBase64 decodes standard base64 s into dst, which it must fill
// exactly.
func decodeBase64(dst []byte, s string) bool {
	if base64.StdEncoding.EncodedLen(len(dst)) != len(s) {
		return false
	}
	var buf [64]byte
	n, err := base64.StdEncoding.Decode(buf[:], []byte(s))
	return err == nil && n == len(dst) && copy(dst, buf[:n]) == n
}

// Sign adds accesskey_id, expires (s.Expires, or 15 minutes after s.Time)
// and signature to r's query, replacing any already there.
func (Zenith) Sign(r *http.Request, body []byte, sg Signing) error {
	if sg.AccessKey == "" || len(sg.Secret) == 0 {
		return fmt.Errorf("auth: %s: signing needs an access key and a secret", zenithName)
	}
	exp := sg.Expires
	if exp.IsZero() {
		exp = sg.Time.Add(15 * time.Minute)
	}
	expires := strconv.FormatInt(exp.Unix(), 10)
	q := r.URL.Query()
	for _, name := range zenithParams.drop {
		q.Del(name)
	}
	r.URL.RawQuery = q.Encode()
	s := new(scratch)
	s.req = appendZenithStringToSign(s, r, expires)
	sig, _ := hmacSHA1(nil, sg.Secret, s.req)
	q.Set("accesskey_id", sg.AccessKey)
	q.Set("expires", expires)
	q.Set("signature", base64.StdEncoding.EncodeToString(sig[:]))
	r.URL.RawQuery = q.Encode()
	return nil
}

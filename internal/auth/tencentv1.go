package auth

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TencentV1 is Tencent Cloud API's signature v1 (API 2.0): the parameters
// SecretId, Timestamp (Unix seconds), Nonce, Signature and, optionally,
// SignatureMethod (HmacSHA1 by default, or HmacSHA256) travel with the
// others, in the query or in an application/x-www-form-urlencoded body.
// The string to sign is
//
//	METHOD + Host + Path + "?" + name=value&... (every parameter but
//	Signature, decoded, sorted by name then value)
//
// with the host and path as sent; the signature is the base64 of its HMAC
// with the secret. Region, if sent, is reported as Result.Region.
type TencentV1 struct{}

// tencentV1Name is TencentV1's name.
const tencentV1Name = "TENCENT-V1"

// Name returns "TENCENT-V1".
func (TencentV1) Name() string { return tencentV1Name }

// Match reports whether r's query carries a SecretId, or r is a form POST
// without an Authorization header (whose parameters are in the body, which
// Match cannot read; give Detect TencentV1 after the other query schemes).
func (TencentV1) Match(r *http.Request) bool {
	return hasParam(r.URL.RawQuery, "SecretId") || isForm(r) && r.Header.Get("Authorization") == ""
}

// hasParam reports whether the urlencoded raw has a parameter named name.
func hasParam(raw, name string) bool {
	_, ok := queryParam(raw, name)
	return ok
}

// isForm reports whether r's body is urlencoded form parameters.
func isForm(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

// Verify checks r's signature. body is read for its parameters when r is a
// form POST.
func (TencentV1) Verify(r *http.Request, body []byte, keys Keys) (Result, error) {
	var form string
	if isForm(r) {
		form = string(body)
	}
	param := func(name string) (string, bool) {
		if v, ok := queryParam(r.URL.RawQuery, name); ok {
			return v, true
		}
		return queryParam(form, name)
	}
	id, _ := param("SecretId")
	if id == "" {
		return Result{}, errcode.New(errcode.AuthMissingKey, "SecretId")
	}
	ts, _ := param("Timestamp")
	if ts == "" {
		return Result{}, errcode.New(errcode.AuthMissingTimestamp, "Timestamp")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts[0] < '0' || ts[0] > '9' {
		return Result{}, refuse(errcode.AuthBadTimestamp, "Timestamp", "it must be Unix seconds")
	}
	nonce, _ := param("Nonce")
	if nonce == "" {
		return Result{}, errcode.New(errcode.AuthMissingNonce, "Nonce")
	}
	sig, _ := param("Signature")
	if sig == "" {
		return Result{}, errcode.New(errcode.AuthMissingSignature, "Signature")
	}
	method, _ := param("SignatureMethod")
	if method != "" && method != "HmacSHA1" && method != "HmacSHA256" {
		return Result{}, refuse(errcode.AuthMalformedHeader, "SignatureMethod", "it must be HmacSHA1 or HmacSHA256")
	}
	key, ok := keys.Key(id)
	if !ok {
		return Result{}, errcode.New(errcode.KeyNotFound, id)
	}
	var want [32]byte
	if base64.StdEncoding.DecodedLen(len(sig)) > len(want)+2 { // padding may count two bytes more
		return Result{}, errcode.New(errcode.SignatureMismatch, "Signature")
	}
	var buf [34]byte
	n, err := base64.StdEncoding.Decode(buf[:], []byte(sig))
	copy(want[:], buf[:])
	if err != nil || n != 20 && method != "HmacSHA256" || n != 32 && method == "HmacSHA256" {
		return Result{}, errcode.New(errcode.SignatureMismatch, "Signature")
	}

	s := getScratch()
	defer putScratch(s)
	s.req = appendTencentV1StringToSign(s, r, form)
	for _, secret := range key.Secrets {
		var got []byte
		if method == "HmacSHA256" {
			var m [32]byte
			m, s.mac = hmacSHA256(s.mac, secret, s.req)
			got = m[:]
		} else {
			var m [20]byte
			m, s.mac = hmacSHA1(s.mac, secret, s.req)
			got = m[:]
		}
		if hmac.Equal(got, want[:n]) {
			region, _ := param("Region")
			return Result{Scheme: tencentV1Name, AccessKey: id, SignedAt: time.Unix(sec, 0).UTC(), Nonce: nonce, Region: region}, nil
		}
	}
	return Result{}, errcode.New(errcode.SignatureMismatch, "Signature")
}

// tencentV1Params is how Tencent v1 puts parameters in its string to sign:
// decoded, without Signature.
var tencentV1Params = paramForm{drop: []string{"Signature"}}

// appendTencentV1StringToSign returns the string to sign in s.req.
func appendTencentV1StringToSign(s *scratch, r *http.Request, form string) []byte {
	b := append(s.req[:0], r.Method...)
	b = append(b, requestHost(r)...)
	b = appendPathAsSent(b, requestPath(r.URL))
	b = append(b, '?')
	s.qb.reset()
	s.qb.add(r.URL.RawQuery, tencentV1Params)
	s.qb.add(form, tencentV1Params)
	return s.qb.appendSorted(b)
}

// Sign adds SecretId, Timestamp, Nonce (s.Nonce, or a random number),
// Region (when s.Region is given) and Signature to r's query, or to its
// body when r is a form POST, in which case the body given is replaced
// and r.Body set. SignatureMethod is kept if the caller set it.
func (TencentV1) Sign(r *http.Request, body []byte, sg Signing) error {
	if sg.AccessKey == "" || len(sg.Secret) == 0 {
		return fmt.Errorf("auth: %s: signing needs an access key and a secret", tencentV1Name)
	}
	nonce := sg.Nonce
	if nonce == "" {
		nonce = strconv.FormatUint(uint64(randomUint32()), 10)
	}
	formPost := isForm(r)
	params := r.URL.Query()
	if formPost {
		var err error
		if params, err = url.ParseQuery(string(body)); err != nil {
			return fmt.Errorf("auth: %s: form body: %w", tencentV1Name, err)
		}
	}
	params.Set("SecretId", sg.AccessKey)
	params.Set("Timestamp", strconv.FormatInt(sg.Time.Unix(), 10))
	params.Set("Nonce", nonce)
	if sg.Region != "" {
		params.Set("Region", sg.Region)
	}
	params.Del("Signature")
	encoded := params.Encode()
	s := new(scratch)
	if formPost {
		s.req = appendTencentV1StringToSign(s, r, encoded)
	} else {
		r.URL.RawQuery = encoded
		s.req = appendTencentV1StringToSign(s, r, "")
	}
	var sig []byte
	if params.Get("SignatureMethod") == "HmacSHA256" {
		m, _ := hmacSHA256(nil, sg.Secret, s.req)
		sig = m[:]
	} else {
		m, _ := hmacSHA1(nil, sg.Secret, s.req)
		sig = m[:]
	}
	encoded += "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	if formPost {
		setBody(r, []byte(encoded))
	} else {
		r.URL.RawQuery = encoded
	}
	return nil
}

// setBody makes b r's body.
func setBody(r *http.Request, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
}

package gateway

import (
	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// The headers that tell the backend who called, set by the gateway only.
const (
	headerPin       = "X-Jdcloud-Pin"          // the account's pin
	headerUser      = "X-Jdcloud-User"         // the user (child account); absent for the account itself
	headerAccessKey = "X-Jdcloud-Access-Key"   // the access key or app key
	headerScheme    = "X-Tollgate-Auth-Scheme" // the scheme it signed with
)

// identityHeaders are removed from every request before it goes upstream,
// whatever the group's auth type, so that a backend can believe them.
var identityHeaders = [...]string{headerPin, headerUser, headerAccessKey, headerScheme}

// credentialHeaders carry a client's credentials or the parts of its
// signature; a signed group's backend never sees them. X-TC-Action,
// X-TC-Version, X-TC-Region and X-TC-Language are request data of
// Tencent-style APIs, not credentials, and go through.
var credentialHeaders = [...]string{
	"Authorization",
	"X-Jdcloud-Date", "X-Jdcloud-Nonce", "X-Jdcloud-Content-Sha256",
	"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token",
	"X-Tc-Timestamp", "X-Tc-Token",
}

// credentialParams are the query parameters each query scheme carries its
// credentials in.
var credentialParams = map[string][]string{
	model.SchemeTencentV1: {"SecretId", "Timestamp", "Nonce", "Signature", "SignatureMethod"},
	model.SchemeZenith:    {"accesskey_id", "expires", "signature"},
	model.SchemeAppKey:    {"appkey", "timestamp", "sign"},
}

// schemeHeaders holds each scheme's name as a header value, made once.
var schemeHeaders = func() map[string][]string {
	m := make(map[string][]string)
	for _, n := range auth.Names() {
		m[n] = []string{n}
	}
	return m
}()

// outbound readies the request for the backend. Any identity header the
// client sent is removed, under its own name or one that a backend might
// read as the same (X_Jdcloud_Pin: CGI-style servers map "_" and "-" to
// one name). For a signed group the verified caller is then set in them,
// and the client's credentials are removed: the credential headers, and
// the credential parameters of the scheme used, from the query, which is
// rebuilt without them (the rest keeps its order and escaping). JDCLOUD3
// requests also lose their nameless query parameters, which that scheme
// leaves unsigned, and a presigned URL loses its X-Amz-* credential
// parameters (auth.PresignParams). A Tencent v1 form POST keeps its credentials in its
// body: the body is passed on as it was signed.
func (g *Gateway) outbound(c *Call) error {
	h := c.R.Header
	for k := range h {
		if isIdentityHeader(k) {
			delete(h, k)
		}
	}
	k := c.Caller
	if k == nil {
		return nil
	}
	for _, name := range credentialHeaders {
		delete(h, name)
	}
	h[headerPin] = k.PinHeader
	if k.UserHeader != nil {
		h[headerUser] = k.UserHeader
	}
	h[headerAccessKey] = k.KeyHeader
	if v := schemeHeaders[c.Auth.Scheme]; v != nil {
		h[headerScheme] = v
	}
	u := c.R.URL
	if names := credentialParams[c.Auth.Scheme]; names != nil || c.Auth.Scheme == model.SchemeJDCloud3 {
		u.RawQuery = stripQuery(u.RawQuery, names, c.Auth.Scheme == model.SchemeJDCloud3)
	}
	if c.Auth.Presigned {
		u.RawQuery = stripQuery(u.RawQuery, presignParams, false)
	}
	return nil
}

// isIdentityHeader reports whether the header key k is one of
// identityHeaders, ignoring case and taking "_" for "-".
func isIdentityHeader(k string) bool {
	if len(k) < len(headerPin) || k[0]|0x20 != 'x' {
		return false
	}
	for _, name := range identityHeaders {
		if sameHeaderName(k, name) {
			return true
		}
	}
	return false
}

func sameHeaderName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == '_' {
			x = '-'
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

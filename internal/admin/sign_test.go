package admin

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// creds is a key pair to sign with.
type creds struct {
	ak string
	sk []byte
}

// signedRequest returns a request signed by scheme with k at the
// harness's time, through the scheme's own signer in package auth.
func (hs *harness) signedRequest(scheme string, k creds, method, path, body string, header http.Header) *http.Request {
	hs.t.Helper()
	req := hs.request(method, "http://admin.test"+path, body)
	for name, v := range header {
		req.Header[name] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if scheme == model.SchemeZenith {
			sum := md5.Sum([]byte(body))
			req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		}
	}
	s, ok := auth.ByName(scheme)
	if !ok {
		hs.t.Fatalf("no scheme %s", scheme)
	}
	now := hs.clock.Now()
	err := s.(auth.Signer).Sign(req, []byte(body), auth.Signing{
		AccessKey: k.ak, Secret: k.sk, Time: now, Expires: now.Add(4 * time.Minute),
		Region: "tollgate", Service: "admin",
	})
	if err != nil {
		hs.t.Fatalf("sign with %s: %v", scheme, err)
	}
	return req
}

// signed calls the API signed by scheme with k.
func (hs *harness) signed(scheme string, k creds, method, path, body string) response {
	hs.t.Helper()
	return hs.serve(hs.signedRequest(scheme, k, method, path, body, nil))
}

// as calls the API signed with k by AWS4-HMAC-SHA256, the scheme of curl
// --aws-sigv4.
func (hs *harness) as(k creds, method, path, body string) response {
	hs.t.Helper()
	return hs.signed(model.SchemeAWS4, k, method, path, body)
}

// mustAs is as, failing unless the answer is status.
func (hs *harness) mustAs(k creds, method, path, body string, status int) response {
	hs.t.Helper()
	res := hs.as(k, method, path, body)
	if res.status != status {
		hs.t.Fatalf("%s %s as %s: got %d, want %d: %s", method, path, k.ak, res.status, status, res.raw)
	}
	return res
}

// keyOf reads the pair of a key-creating answer.
func keyOf(t testing.TB, res response) creds {
	t.Helper()
	ak, sk := res.str("accessKey"), res.str("secretKey")
	if ak == "" || sk == "" {
		t.Fatalf("no key pair in %s", res.raw)
	}
	return creds{ak: ak, sk: []byte(sk)}
}

// signingSchemes are the schemes an admin call can be signed with.
var signingSchemes = []string{model.SchemeAWS4, model.SchemeJDCloud2, model.SchemeJDCloud3, model.SchemeTC3, model.SchemeZenith, model.SchemeTencentV1}

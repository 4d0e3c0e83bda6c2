package auth

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

var sigv4Time = time.Date(2024, 3, 9, 23, 59, 58, 0, time.UTC)

// signedFor returns a request signed by scheme with AK/secret, for the
// refusal tests to spoil.
func signedFor(t *testing.T, scheme Signer, body string) *http.Request {
	t.Helper()
	r := rawRequest("POST", "api.example.com", "/v1/items", "b=2&a=1")
	r.Header.Set("Content-Type", "application/json")
	err := scheme.Sign(r, []byte(body), Signing{AccessKey: "AK", Secret: []byte("secret"), Time: sigv4Time,
		Nonce: "nonce-1", Region: "cn-north-1", Service: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// editAuthorization replaces old with new in r's Authorization header.
func editAuthorization(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

func TestSigV4FamilyRefusals(t *testing.T) {
	keys := keyring{"AK": {[]byte("secret")}}
	tests := []struct {
		name   string
		scheme interface {
			Scheme
			Signer
		}
		spoil func(*http.Request)
		body  string // the body verified; the body signed is "{}"
		want  *errcode.Condition
	}{
		{"no Authorization", AWS4{}, func(r *http.Request) { r.Header.Del("Authorization") }, "{}", errcode.AuthMissingSignature},
		{"Authorization twice", AWS4{}, func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }, "{}", errcode.AuthMalformedHeader},
		{"another scheme's header", AWS4{}, editAuthorization("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), "{}", errcode.AuthMalformedHeader},
		{"no Credential", AWS4{}, editAuthorization("Credential=", "Credentials="), "{}", errcode.AuthMalformedHeader},
		{"empty access key", AWS4{}, editAuthorization("Credential=AK/", "Credential=/"), "{}", errcode.AuthMissingKey},
		{"short scope", AWS4{}, editAuthorization("/svc/aws4_request", "/aws4_request"), "{}", errcode.AuthMalformedHeader},
		{"wrong terminator", AWS4{}, editAuthorization("aws4_request", "aws5_request"), "{}", errcode.AuthMalformedHeader},
		{"a slash after the terminator", AWS4{}, editAuthorization("aws4_request,", "aws4_request/,"), "{}", errcode.AuthMalformedHeader},
		{"scope of another day", AWS4{}, editAuthorization("/20240309/", "/20240310/"), "{}", errcode.AuthBadTimestamp},
		{"no Signature", AWS4{}, func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}, "{}", errcode.AuthMissingSignature},
		{"Signature not hex", AWS4{}, editAuthorization("Signature=", "Signature=zz"), "{}", errcode.AuthMalformedHeader},
		{"no SignedHeaders", AWS4{}, editAuthorization("SignedHeaders=", "Signed="), "{}", errcode.AuthMalformedHeader},
		{"SignedHeaders unsorted", AWS4{}, editAuthorization("content-type;host", "host;content-type"), "{}", errcode.AuthMalformedHeader},
		{"host unsigned", AWS4{}, editAuthorization("content-type;host;", "content-type;"), "{}", errcode.AuthMalformedHeader},
		{"no X-Amz-Date", AWS4{}, func(r *http.Request) { r.Header.Del("X-Amz-Date") }, "{}", errcode.AuthMissingTimestamp},
		{"bad X-Amz-Date", AWS4{}, func(r *http.Request) { r.Header.Set("X-Amz-Date", "2024-03-09T23:59:58Z") }, "{}", errcode.AuthBadTimestamp},
		{"unknown key", AWS4{}, editAuthorization("Credential=AK/", "Credential=AK2/"), "{}", errcode.KeyNotFound},
		{"other body", AWS4{}, func(*http.Request) {}, "{ }", errcode.SignatureMismatch},
		{"other query", AWS4{}, func(r *http.Request) { r.URL.RawQuery = "a=1&b=3" }, "{}", errcode.SignatureMismatch},
		{"other path", AWS4{}, func(r *http.Request) { r.URL.RawPath = "/v1/item" }, "{}", errcode.SignatureMismatch},
		{"other method", AWS4{}, func(r *http.Request) { r.Method = "PUT" }, "{}", errcode.SignatureMismatch},
		{"other host", AWS4{}, func(r *http.Request) { r.Host = "evil.example.com" }, "{}", errcode.SignatureMismatch},
		{"content hash of another body", AWS4{}, func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))
		}, "{}", errcode.SignatureMismatch},
		{"content hash malformed", AWS4{}, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") }, "{}", errcode.AuthMalformedHeader},
		{"no nonce", JDCloud3{}, func(r *http.Request) { r.Header.Del("X-Jdcloud-Nonce") }, "{}", errcode.AuthMissingNonce},
		{"nonce unsigned", JDCloud2{}, editAuthorization(";x-jdcloud-nonce", ""), "{}", errcode.AuthMalformedHeader},
		{"date unsigned", JDCloud2{}, editAuthorization("x-jdcloud-date;", ""), "{}", errcode.AuthMalformedHeader},
		{"JD opaque content hash with a body", JDCloud3{}, func(r *http.Request) { r.Header.Set("X-Jdcloud-Content-Sha256", "opaque") }, "{}", errcode.AuthMalformedHeader},
		{"TC3 timestamp not a number", TC3{}, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "1e9") }, "{}", errcode.AuthBadTimestamp},
		{"TC3 negative timestamp", TC3{}, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "-1") }, "{}", errcode.AuthBadTimestamp},
		{"TC3 scope of another day", TC3{}, editAuthorization("/2024-03-09/", "/2024-03-10/"), "{}", errcode.AuthBadTimestamp},
		{"TC3 other timestamp", TC3{}, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "1710028797") }, "{}", errcode.SignatureMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := signedFor(t, tc.scheme, "{}")
			if _, err := tc.scheme.Verify(r, []byte("{}"), keys); err != nil {
				t.Fatalf("unspoiled request: %v", err)
			}
			tc.spoil(r)
			_, err := tc.scheme.Verify(r, []byte(tc.body), keys)
			wantCond(t, err, tc.want)
		})
	}
}

// TestSigV4FamilyRotation checks that either secret of a rotated key
// verifies, and that the error of a wrong secret gives nothing away.
func TestSigV4FamilyRotation(t *testing.T) {
	for _, scheme := range []interface {
		Scheme
		Signer
	}{AWS4{}, JDCloud2{}, JDCloud3{}, TC3{}} {
		t.Run(scheme.Name(), func(t *testing.T) {
			r := signedFor(t, scheme, "{}")
			for _, secrets := range [][][]byte{{[]byte("secret"), []byte("old")}, {[]byte("new"), []byte("secret")}} {
				if _, err := scheme.Verify(r, []byte("{}"), keyring{"AK": secrets}); err != nil {
					t.Errorf("secrets %q: %v", secrets, err)
				}
			}
			_, err := scheme.Verify(r, []byte("{}"), keyring{"AK": {[]byte("new"), []byte("old")}})
			wantCond(t, err, errcode.SignatureMismatch)

			// The error must not carry a signature computed with the
			// key, the right one or the wrong ones.
			for _, secret := range []string{"new", "old", "secret"} {
				w := signedFor(t, scheme, "{}")
				w.Header.Set("Authorization", "")
				if err := scheme.Sign(w, []byte("{}"), Signing{AccessKey: "AK", Secret: []byte(secret), Time: sigv4Time,
					Nonce: "nonce-1", Region: "cn-north-1", Service: "svc"}); err != nil {
					t.Fatal(err)
				}
				sig := w.Header.Get("Authorization")
				sig = sig[strings.LastIndex(sig, "=")+1:]
				for _, msg := range []string{err.Error(), errcode.From(err).Message(errcode.DialectTencent, errcode.Chinese)} {
					if strings.Contains(msg, sig) || strings.Contains(msg, secret) {
						t.Errorf("error %q reveals a signature or secret", msg)
					}
				}
			}
		})
	}
}

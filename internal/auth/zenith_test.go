package auth

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TestZenithCanonicalForm signs by hand, from the documented string to
// sign, and wants the verifier to agree.
func TestZenithCanonicalForm(t *testing.T) {
	body := []byte(`{"image":"aGVsbG8="}`)
	md := md5.Sum(body)
	contentMD5 := base64.StdEncoding.EncodeToString(md[:])
	sts := "POST\n" + contentMD5 + "\napplication/json\n1700000900\n/v1/face%20detect?mode=fast&z=a%20b"
	m := hmac.New(sha1.New, []byte("zsecret"))
	m.Write([]byte(sts))
	sig := url.QueryEscape(base64.StdEncoding.EncodeToString(m.Sum(nil)))

	r := rawRequest("POST", "vision.example.com", "/v1/face%20detect", "z=a+b&accesskey_id=ZK&expires=1700000900&mode=fast&signature="+sig)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-MD5", contentMD5)
	if !(Zenith{}).Match(r) {
		t.Fatal("Match = false")
	}
	keys := keyring{"ZK": {[]byte("zsecret")}}
	got, err := Zenith{}.Verify(r, body, keys)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Result{Scheme: "ZENITH", AccessKey: "ZK", Expires: time.Unix(1700000900, 0).UTC()}
	if got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
	_, err = Zenith{}.Verify(r, []byte(`{"image":"b3RoZXI="}`), keys)
	wantCond(t, err, errcode.SignatureMismatch)
}

func TestZenithSignAndRefusals(t *testing.T) {
	keys := keyring{"ZK": {[]byte("new"), []byte("zsecret")}}
	sign := func() *http.Request {
		r := rawRequest("GET", "vision.example.com", "/v1/detect", "b=2&a=1")
		if err := (Zenith{}).Sign(r, nil, Signing{AccessKey: "ZK", Secret: []byte("zsecret"), Time: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	got, err := Zenith{}.Verify(sign(), nil, keys)
	if err != nil || !got.Expires.Equal(time.Unix(1700000900, 0)) || !got.SignedAt.IsZero() {
		t.Fatalf("Verify = %+v, %v; want expiry 15 minutes after signing", got, err)
	}
	tests := []struct {
		name       string
		old, new   string
		contentMD5 string
		want       *errcode.Condition
	}{
		{"no accesskey_id", "accesskey_id=", "x=", "", errcode.AuthMissingKey},
		{"no expires", "expires=", "x=", "", errcode.AuthMissingTimestamp},
		{"bad expires", "expires=", "expires=soon", "", errcode.AuthBadTimestamp},
		{"no signature", "signature=", "x=", "", errcode.AuthMissingSignature},
		{"signature not base64", "signature=", "signature=%21", "", errcode.SignatureMismatch},
		{"unknown key", "accesskey_id=ZK", "accesskey_id=ZZ", "", errcode.KeyNotFound},
		{"other parameter", "a=1", "a=2", "", errcode.SignatureMismatch},
		{"later expiry", "expires=1700000900", "expires=1700000901", "", errcode.SignatureMismatch},
		{"Content-MD5 of another body", "", "", "1B2M2Y8AsgTpgAmY7PhCfg==", errcode.SignatureMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sign()
			if tc.old != "" {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, tc.old, tc.new, 1)
			}
			if tc.contentMD5 != "" {
				r.Header.Set("Content-MD5", tc.contentMD5)
			}
			_, err := Zenith{}.Verify(r, []byte("x"), keys)
			wantCond(t, err, tc.want)
		})
	}
}

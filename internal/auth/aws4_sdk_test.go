package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestAWS4SDK has the AWS SDK for Go v2's SigV4 signer sign requests that
// travel over a real connection to a server running the verifier.
func TestAWS4SDK(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDSDK", SecretAccessKey: "sdk/secret+key=="}
	keys := keyring{"AKIDSDK": {[]byte("sdk/secret+key==")}}
	results := make(chan Result, 1)
	srv := verifyingServer(t, AWS4{}, keys, results)
	tests := []struct {
		name, method, target, service, body string
		header                              http.Header
		unsigned, s3, token                 bool
	}{
		{name: "GET query to sort", method: "GET", target: "/v1/items?zeta=1&alpha=two%20words&alpha=a&e=%C3%A9", service: "execute-api"},
		{name: "GET path to encode twice", method: "GET", target: "/v1/my%20item/%E1%88%B4/a:b", service: "execute-api"},
		{name: "POST JSON", method: "POST", target: "/v1/items", service: "execute-api", body: `{"k":"v"}`,
			header: http.Header{"Content-Type": {"application/json"}, "X-Amz-Target": {"Svc.Op"}}},
		{name: "PUT S3 object", method: "PUT", target: "/bucket/my%20key.txt", service: "s3", body: "object", s3: true},
		{name: "PUT S3 unsigned payload", method: "PUT", target: "/bucket/k", service: "s3", body: "object", s3: true, unsigned: true},
		{name: "session token", method: "GET", target: "/", service: "sts", token: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			sum := sha256.Sum256([]byte(tc.body))
			payload := hex.EncodeToString(sum[:])
			if tc.unsigned {
				payload = "UNSIGNED-PAYLOAD"
			}
			if tc.s3 {
				req.Header.Set("X-Amz-Content-Sha256", payload)
			}
			c := creds
			if tc.token {
				c.SessionToken = "session-token"
			}
			err = v4.NewSigner().SignHTTP(context.Background(), c, req, payload, tc.service, "ap-southeast-1",
				time.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = tc.s3 })
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %s: %s (Authorization %q)", tc.method, tc.target, resp.Status, got, req.Header.Get("Authorization"))
			}
			res := <-results
			if res.AccessKey != "AKIDSDK" || res.Region != "ap-southeast-1" || res.Service != tc.service {
				t.Errorf("result %+v", res)
			}
		})
	}

	t.Run("changed after signing", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/items?a=1", nil)
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
			"execute-api", "ap-southeast-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = "a=2"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("tampered query: %s, want 401", resp.Status)
		}
	})
}

// TestAWS4SDKRotation rotates a key's secret under aws-sdk-go-v2's signer.
// That signer caches each derived signing key by region and service and
// keeps it for the same access key and day, whatever the secret: a signer
// that signed with the old secret goes on signing with it after the
// rotation. A test that rotates a secret must therefore sign with a fresh
// signer (v4.NewSigner()) after the rotation, as below; the stale signer
// is shown refused, which is the gateway being right, not wrong.
func TestAWS4SDKRotation(t *testing.T) {
	const ak = "AKIDROT"
	oldCreds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: "old-secret"}
	newCreds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: "new-secret"}
	sign := func(signer *v4.Signer, c aws.Credentials) *http.Request {
		req, _ := http.NewRequest("GET", "https://api.example.com/v1/items?a=1", nil)
		sum := sha256.Sum256(nil)
		if err := signer.SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	stale := v4.NewSigner()
	if _, err := (AWS4{}).Verify(sign(stale, oldCreds), nil, keyring{ak: {[]byte("old-secret")}}); err != nil {
		t.Fatalf("before the rotation: %v", err)
	}

	// During the grace period both secrets verify; after it, only the new.
	grace := keyring{ak: {[]byte("new-secret"), []byte("old-secret")}}
	after := keyring{ak: {[]byte("new-secret")}}
	tests := []struct {
		name   string
		req    *http.Request
		keys   keyring
		wantOK bool
	}{
		{"fresh signer, new secret, grace", sign(v4.NewSigner(), newCreds), grace, true},
		{"fresh signer, old secret, grace", sign(v4.NewSigner(), oldCreds), grace, true},
		{"fresh signer, new secret, after", sign(v4.NewSigner(), newCreds), after, true},
		{"fresh signer, old secret, after", sign(v4.NewSigner(), oldCreds), after, false},
		// The stale signer is given the new secret but signs with the key
		// it derived from the old one.
		{"stale signer given the new secret, after", sign(stale, newCreds), after, false},
	}
	for _, tc := range tests {
		_, err := (AWS4{}).Verify(tc.req, nil, tc.keys)
		if (err == nil) != tc.wantOK {
			t.Errorf("%s: err = %v, want accepted = %v", tc.name, err, tc.wantOK)
		}
	}
}

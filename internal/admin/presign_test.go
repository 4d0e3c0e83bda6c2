package admin

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestPresignedAdminRefused: a presigned URL never authenticates an admin
// call, read or change, even when its signature is good. A presigned
// change would sign no body (UNSIGNED-PAYLOAD), so whoever held the URL
// could send any body under it, for up to seven days.
func TestPresignedAdminRefused(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	before := hs.must("GET", "/v1/accounts/acme", "", 200).str("name")
	presign := func(method, path string) string {
		req, _ := http.NewRequest(method, "http://example.com"+path+"?X-Amz-Expires=60", nil)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(),
			aws.Credentials{AccessKeyID: a.key.ak, SecretAccessKey: string(a.key.sk)},
			req, "UNSIGNED-PAYLOAD", "admin", "tollgate", hs.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, tc := range []struct{ method, body string }{
		{"GET", ""},
		{"PATCH", `{"name":"injected"}`},
		{"DELETE", ""},
	} {
		hs.clock.Advance(time.Second)
		req := hs.request(tc.method, presign(tc.method, "/v1/accounts/acme"), tc.body)
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res := hs.serve(req)
		if res.status != 401 || res.errStatus() != "APIGW_ILLEGAL_HEADER" {
			t.Errorf("presigned %s: got %d %s, want 401 APIGW_ILLEGAL_HEADER", tc.method, res.status, res.raw)
		}
	}
	if after := hs.must("GET", "/v1/accounts/acme", "", 200).str("name"); after != before {
		t.Errorf("the account's name changed from %q to %q", before, after)
	}
}

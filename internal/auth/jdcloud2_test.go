package auth

import (
	"testing"
	"time"
)

// TestJDCloud2PublishedExample verifies the worked example of JD's own Rust
// signer (jdcloud-api/jdcloud-sdk-rust-signer, test_sign_request_2): a
// signed user-agent, a sorted query, no host.
func TestJDCloud2PublishedExample(t *testing.T) {
	r := rawRequest("GET", "www.jdcloud-api.com", "/v1/regions/cn-north-1/instances", "pageNumber=2&pageSize=10")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "JdcloudSdkRust/0.0.1 vm/0.7.4")
	r.Header.Set("X-Jdcloud-Date", "20180405T010203Z")
	r.Header.Set("X-Jdcloud-Nonce", "55f3919e-3a7d-4174-b117-f150ff25e274")
	r.Header.Set("Authorization", "JDCLOUD2-HMAC-SHA256 Credential=ak/20180405/cn-north-1/service_name/jdcloud2_request, "+
		"SignedHeaders=content-type;user-agent;x-jdcloud-date;x-jdcloud-nonce, "+
		"Signature=b814d29cc86f397d5772e104e67ce125ea621a96d2e55f55171fa4719937a15f")
	got, err := JDCloud2{}.Verify(r, nil, keyring{"ak": {[]byte("sk")}})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Result{Scheme: "JDCLOUD2-HMAC-SHA256", AccessKey: "ak", SignedAt: time.Date(2018, 4, 5, 1, 2, 3, 0, time.UTC),
		Nonce: "55f3919e-3a7d-4174-b117-f150ff25e274", Region: "cn-north-1", Service: "service_name"}
	if got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
}

// TestJDCloud2QueryAsSent checks that a query signed verbatim, unsorted,
// as JD's Go SDK signs it, verifies, and that the sorted form does too.
func TestJDCloud2QueryAsSent(t *testing.T) {
	keys := keyring{"ak": {[]byte("sk")}}
	sg := Signing{AccessKey: "ak", Secret: []byte("sk"), Time: time.Now(), Region: "cn-north-1", Service: "vm"}
	asSent := jdcloud2
	asSent.signQueryAsSent = true
	for _, f := range []family{jdcloud2, asSent} {
		r := rawRequest("GET", "vm.jdcloud-api.com", "/v1/regions/cn-north-1/instances", "pageSize=10&pageNumber=2&filters.1.name=id")
		if err := f.sign(r, nil, sg); err != nil {
			t.Fatal(err)
		}
		if _, err := (JDCloud2{}).Verify(r, nil, keys); err != nil {
			t.Errorf("signed with the query as sent = %v: %v", f.signQueryAsSent, err)
		}
	}
}

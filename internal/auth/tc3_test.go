package auth

import (
	"net/http"
	"testing"
	"time"
)

// Tencent's worked TC3-HMAC-SHA256 example (Tencent Cloud API 3.0,
// "Signature v3": CVM DescribeInstances, POST to cvm.tencentcloudapi.com).
const (
	tc3ExampleID     = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	tc3ExampleSecret = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	tc3ExampleBody   = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	tc3ExampleAuth   = "TC3-HMAC-SHA256 Credential=" + tc3ExampleID + "/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
)

func tc3ExampleRequest() *http.Request {
	r := rawRequest("POST", "cvm.tencentcloudapi.com", "/", "")
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("X-TC-Action", "DescribeInstances")
	r.Header.Set("X-TC-Timestamp", "1551113065")
	r.Header.Set("X-TC-Version", "2017-03-12")
	r.Header.Set("X-TC-Region", "ap-guangzhou")
	return r
}

func TestTC3PublishedExample(t *testing.T) {
	r := tc3ExampleRequest()
	r.Header.Set("Authorization", tc3ExampleAuth)
	got, err := TC3{}.Verify(r, []byte(tc3ExampleBody), keyring{tc3ExampleID: {[]byte(tc3ExampleSecret)}})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// X-TC-Region is not signed here, so no region is reported.
	want := Result{Scheme: "TC3-HMAC-SHA256", AccessKey: tc3ExampleID, SignedAt: time.Unix(1551113065, 0).UTC(), Service: "cvm"}
	if got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}

	// Signing what the example signs reproduces its header.
	s := tc3ExampleRequest()
	f := tc3
	f.signable = func(name string) bool { return name == "host" || name == "content-type" }
	err = f.sign(s, []byte(tc3ExampleBody), Signing{AccessKey: tc3ExampleID, Secret: []byte(tc3ExampleSecret),
		Time: time.Unix(1551113065, 0), Service: "cvm"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Header.Get("Authorization"); got != tc3ExampleAuth {
		t.Errorf("Sign set Authorization\n%s\nwant\n%s", got, tc3ExampleAuth)
	}
}

// TestTC3Region checks that a signed X-TC-Region is reported.
func TestTC3Region(t *testing.T) {
	r := rawRequest("GET", "cvm.tencentcloudapi.com", "/", "Limit=10&Offset=0")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sg := Signing{AccessKey: "AKID", Secret: []byte("secret"), Time: time.Unix(1551113065, 0), Region: "ap-guangzhou", Service: "cvm"}
	if err := (TC3{}).Sign(r, nil, sg); err != nil {
		t.Fatal(err)
	}
	got, err := TC3{}.Verify(r, nil, keyring{"AKID": {[]byte("secret")}})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Region != "ap-guangzhou" || got.Service != "cvm" {
		t.Errorf("result %+v, want region ap-guangzhou, service cvm", got)
	}
}

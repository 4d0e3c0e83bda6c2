package auth

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Tencent's worked signature v1 example (Tencent Cloud API 2.0 "Signature":
// CVM DescribeInstances by GET, HmacSHA1): the signature its current pages
// publish is EliP9YW3pW28FpsEdkXt/+WcGeI= (an older page printed one that
// its own string to sign does not give), sent URL-encoded.
const tencentV1ExampleQuery = "Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0" +
	"&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12" +
	"&Signature=EliP9YW3pW28FpsEdkXt%2f%2bWcGeI%3d"

var tencentV1Keys = keyring{"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE": {[]byte("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")}}

func TestTencentV1PublishedExample(t *testing.T) {
	r := rawRequest("GET", "cvm.tencentcloudapi.com", "/", tencentV1ExampleQuery)
	if !(TencentV1{}).Match(r) {
		t.Fatal("Match = false")
	}
	got, err := TencentV1{}.Verify(r, nil, tencentV1Keys)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Result{Scheme: "TENCENT-V1", AccessKey: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
		SignedAt: time.Unix(1465185768, 0).UTC(), Nonce: "11886", Region: "ap-guangzhou"}
	if got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
	// The parameters in another order are the same request.
	r.URL.RawQuery = "Signature=EliP9YW3pW28FpsEdkXt%2F%2BWcGeI%3D&" + strings.Replace(tencentV1ExampleQuery, "&Signature=EliP9YW3pW28FpsEdkXt%2f%2bWcGeI%3d", "", 1)
	if _, err := (TencentV1{}).Verify(r, nil, tencentV1Keys); err != nil {
		t.Errorf("reordered: %v", err)
	}
}

func TestTencentV1SignAndVerify(t *testing.T) {
	keys := keyring{"AKID": {[]byte("new"), []byte("secret")}}
	sg := Signing{AccessKey: "AKID", Secret: []byte("secret"), Time: time.Unix(1700000000, 0), Region: "ap-shanghai"}
	tests := []struct {
		name, query, body string
		form              bool
	}{
		{"GET HmacSHA1", "Action=DescribeInstances&Limit=1&Name=a+b%2Fc", "", false},
		{"GET HmacSHA256", "Action=DescribeInstances&SignatureMethod=HmacSHA256", "", false},
		{"form POST", "", "Action=RunInstances&InstanceName=%E4%B8%AD+x", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rawRequest("POST", "cvm.api.qcloud.com", "/v2/index.php", tc.query)
			if !tc.form {
				r.Method = "GET"
			} else {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			}
			if err := (TencentV1{}).Sign(r, []byte(tc.body), sg); err != nil {
				t.Fatal(err)
			}
			body := []byte(tc.body)
			if tc.form {
				body, _ = io.ReadAll(r.Body)
			}
			got, err := TencentV1{}.Verify(r, body, keys)
			if err != nil {
				t.Fatalf("Verify: %v (query %q, body %q)", err, r.URL.RawQuery, body)
			}
			if got.AccessKey != "AKID" || got.Region != "ap-shanghai" || got.Nonce == "" || !got.SignedAt.Equal(sg.Time) {
				t.Errorf("result %+v", got)
			}
			// One more parameter is another request.
			if tc.form {
				body = append(body, "&Extra=1"...)
			} else {
				r.URL.RawQuery += "&Extra=1"
			}
			_, err = TencentV1{}.Verify(r, body, keys)
			wantCond(t, err, errcode.SignatureMismatch)
		})
	}
}

func TestTencentV1Refusals(t *testing.T) {
	drop := func(name string) func(url.Values) { return func(v url.Values) { v.Del(name) } }
	set := func(name, value string) func(url.Values) { return func(v url.Values) { v.Set(name, value) } }
	tests := []struct {
		name  string
		spoil func(url.Values)
		want  *errcode.Condition
	}{
		{"no SecretId", drop("SecretId"), errcode.AuthMissingKey},
		{"no Timestamp", drop("Timestamp"), errcode.AuthMissingTimestamp},
		{"bad Timestamp", set("Timestamp", "yesterday"), errcode.AuthBadTimestamp},
		{"no Nonce", drop("Nonce"), errcode.AuthMissingNonce},
		{"no Signature", drop("Signature"), errcode.AuthMissingSignature},
		{"bad SignatureMethod", set("SignatureMethod", "HmacMD5"), errcode.AuthMalformedHeader},
		{"Signature not base64", set("Signature", "!!"), errcode.SignatureMismatch},
		{"unknown key", set("SecretId", "AKIDother"), errcode.KeyNotFound},
		{"other Limit", set("Limit", "21"), errcode.SignatureMismatch},
		{"HmacSHA256 claimed", set("SignatureMethod", "HmacSHA256"), errcode.SignatureMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tencentV1ExampleQuery)
			if err != nil {
				t.Fatal(err)
			}
			tc.spoil(q)
			r := rawRequest("GET", "cvm.tencentcloudapi.com", "/", q.Encode())
			_, err = TencentV1{}.Verify(r, nil, tencentV1Keys)
			wantCond(t, err, tc.want)
		})
	}
}

func TestTencentV1LongSignature(t *testing.T) {
	q := strings.Replace(tencentV1ExampleQuery, "EliP9YW3pW28FpsEdkXt%2f%2bWcGeI%3d", strings.Repeat("QUFB", 40), 1)
	_, err := TencentV1{}.Verify(rawRequest("GET", "cvm.tencentcloudapi.com", "/", q), nil, tencentV1Keys)
	wantCond(t, err, errcode.SignatureMismatch)
}

package auth

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNamesAndByName(t *testing.T) {
	want := []string{"APPKEY", "AWS4-HMAC-SHA256", "JDCLOUD2-HMAC-SHA256", "JDCLOUD3-HMAC-SHA256", "TC3-HMAC-SHA256", "TENCENT-V1", "ZENITH"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for _, name := range want {
		s, ok := ByName(name)
		if !ok || s.Name() != name {
			t.Errorf("ByName(%q) = %v, %v", name, s, ok)
		}
		if _, ok := s.(Signer); !ok {
			t.Errorf("%s is not a Signer", name)
		}
	}
	if _, ok := ByName("aws4-hmac-sha256"); ok {
		t.Error("ByName is case-insensitive; names are exact")
	}
}

// TestSignDetectVerify signs a request with every scheme and wants Detect,
// given all schemes, to pick that scheme and Verify to accept the request.
func TestSignDetectVerify(t *testing.T) {
	all := make([]Scheme, 0, len(schemes))
	for _, name := range Names() {
		if name != tencentV1Name {
			s, _ := ByName(name)
			all = append(all, s)
		}
	}
	all = append(all, TencentV1{})
	keys := keyring{"AK": {[]byte("s3cr3t")}}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, name := range Names() {
		for _, method := range []string{"GET", "POST"} {
			t.Run(name+" "+method, func(t *testing.T) {
				s, _ := ByName(name)
				body := ""
				r := rawRequest(method, "g1.localhost:8080", "/v1/things/a b", "q=1&p=two words")
				if method == "POST" {
					body = "x=1&y=%E4%B8%AD"
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				err := s.(Signer).Sign(r, []byte(body), Signing{AccessKey: "AK", Secret: []byte("s3cr3t"), Time: at,
					Region: "cn-north-1", Service: "svc"})
				if err != nil {
					t.Fatal(err)
				}
				if r.Body != nil {
					b, _ := io.ReadAll(r.Body)
					body = string(b)
				}
				got, ok := Detect(r, all)
				if !ok || got.Name() != name {
					t.Fatalf("Detect = %v, %v; want %s", got, ok, name)
				}
				res, err := got.Verify(r, []byte(body), keys)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if res.Scheme != name || res.AccessKey != "AK" {
					t.Errorf("result %+v", res)
				}
				if res.SignedAt.IsZero() && res.Expires.IsZero() {
					t.Errorf("result %+v has neither a signing time nor an expiry", res)
				}
			})
		}
	}
	if s, ok := Detect(rawRequest("GET", "h", "/", "a=1"), all); ok {
		t.Errorf("Detect of an unsigned request = %s", s.Name())
	}
	r := rawRequest("GET", "h", "/", "")
	r.Header.Set("Authorization", "Bearer x")
	if s, ok := Detect(r, all); ok && !strings.HasPrefix(s.Name(), "TENCENT") {
		t.Errorf("Detect of a bearer token = %s", s.Name())
	}
}

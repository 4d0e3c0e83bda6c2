package auth

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The AWS SigV4 test suite's requests (aws-signing-test-suite/v4 in
// awslabs/aws-c-auth; the 2015 aws-sig-v4-test-suite before it), each with
// the Authorization header AWS published for it. Paths are the raw bytes of
// the request line; the *-unnormalized cases are the ones that apply, since
// Tollgate, like the SDKs, signs the path as sent.
var awsSuite = []struct {
	name, method, path, query string
	header                    http.Header
	body                      string
	signed, signature         string
}{
	{"get-vanilla", "GET", "/", "", nil, "", "host;x-amz-date",
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", nil, "", "host;x-amz-date",
		"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	{"get-vanilla-query-unreserved", "GET", "/",
		"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
		nil, "", "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
	{"get-vanilla-utf8-query", "GET", "/", "ሴ=bar", nil, "", "host;x-amz-date",
		"2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
	{"get-vanilla-empty-query-key", "GET", "/", "Param1=value1", nil, "", "host;x-amz-date",
		"a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
	{"get-vanilla-with-session-token", "GET", "/", "",
		http.Header{"X-Amz-Security-Token": {"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"}},
		"", "host;x-amz-date;x-amz-security-token", "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
	{"get-header-value-trim", "GET", "/", "",
		http.Header{"My-Header1": {" value1"}, "My-Header2": {` "a   b   c"`}},
		"", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
	{"get-header-key-duplicate", "GET", "/", "",
		http.Header{"My-Header1": {"value2", "value2", "value1"}},
		"", "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
	{"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", nil, "",
		"host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
	{"get-utf8", "GET", "/ሴ", "", nil, "", "host;x-amz-date",
		"8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
	{"get-space-unnormalized", "GET", "/example space/", "",
		http.Header{"X-Amz-Content-Sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		"", "host;x-amz-date", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
	{"get-slashes-unnormalized", "GET", "//example//", "", nil, "", "host;x-amz-date",
		"87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"},
	{"get-relative-relative-unnormalized", "GET", "/example1/example2/../..", "", nil, "", "host;x-amz-date",
		"dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b"},
	{"post-vanilla", "POST", "/", "", nil, "", "host;x-amz-date",
		"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	{"post-vanilla-query", "POST", "/", "Param1=value1", nil, "", "host;x-amz-date",
		"28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
	{"post-header-key-sort", "POST", "/", "", http.Header{"My-Header1": {"value1"}}, "",
		"host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
	{"post-x-www-form-urlencoded", "POST", "/", "",
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "Param1=value1",
		"content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
}

var awsSuiteKeys = keyring{"AKIDEXAMPLE": {[]byte("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")}}

// rawRequest builds a request whose path and query are exactly the given
// bytes, as a server would have received them.
func rawRequest(method, host, path, query string) *http.Request {
	u := &url.URL{Scheme: "https", Host: host, Path: path, RawPath: path, RawQuery: query}
	return &http.Request{Method: method, URL: u, Host: host, Header: http.Header{}}
}

func TestAWS4PublishedSuite(t *testing.T) {
	for _, tc := range awsSuite {
		t.Run(tc.name, func(t *testing.T) {
			r := rawRequest(tc.method, "example.amazonaws.com", tc.path, tc.query)
			for k, v := range tc.header {
				r.Header[k] = v
			}
			r.Header.Set("X-Amz-Date", "20150830T123600Z")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="+
				tc.signed+", Signature="+tc.signature)
			got, err := AWS4{}.Verify(r, []byte(tc.body), awsSuiteKeys)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Result{Scheme: "AWS4-HMAC-SHA256", AccessKey: "AKIDEXAMPLE",
				SignedAt: time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC), Region: "us-east-1", Service: "service"}
			if got != want {
				t.Errorf("result %+v, want %+v", got, want)
			}

			if _, ok := tc.header["X-Amz-Content-Sha256"]; ok {
				return // our signer signs this header; the suite does not
			}
			// Our own signer must produce the published header.
			s := rawRequest(tc.method, "example.amazonaws.com", tc.path, tc.query)
			for k, v := range tc.header {
				s.Header[k] = v
			}
			err = aws4Suite.sign(s, []byte(tc.body), Signing{AccessKey: "AKIDEXAMPLE",
				Secret: awsSuiteKeys["AKIDEXAMPLE"][0], Time: want.SignedAt, Region: "us-east-1", Service: "service"})
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			if got, want := s.Header.Get("Authorization"), r.Header.Get("Authorization"); got != want {
				t.Errorf("Sign set Authorization\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// aws4Suite signs what the suite signs: the headers each case lists.
var aws4Suite = func() family {
	f := aws4
	f.signable = func(name string) bool {
		return name == "host" || name == "content-type" || name == "my-header1" || name == "my-header2" || name == "x-amz-security-token"
	}
	return f
}()

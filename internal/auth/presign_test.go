package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// presignCreds are the credentials the presign tests sign with.
var presignCreds = aws.Credentials{AccessKeyID: "AKIDPRE", SecretAccessKey: "pre/secret+key=="}

var presignKeys = keyring{"AKIDPRE": {[]byte("pre/secret+key==")}}

// presignAt is when the presign tests sign.
var presignAt = time.Date(2024, 5, 17, 10, 30, 0, 0, time.UTC)

// presignOpts describes one URL for presignURL.
type presignOpts struct {
	method, target, service, payload string
	expires                          int // seconds; 0 leaves X-Amz-Expires out
	header                           http.Header
	token                            string
}

// presignURL has aws-sdk-go-v2's PresignHTTP presign a request to base +
// o.target and returns the URL and the headers to send with it.
func presignURL(t *testing.T, base string, o presignOpts) (string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(o.method, base+o.target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range o.header {
		req.Header[k] = v
	}
	if o.expires != 0 {
		// Appended, not set through URL.Query, which would re-escape
		// the test's own spelling of the rest of the query.
		if req.URL.RawQuery != "" {
			req.URL.RawQuery += "&"
		}
		req.URL.RawQuery += "X-Amz-Expires=" + strconv.Itoa(o.expires)
	}
	service := o.service
	if service == "" {
		service = "execute-api"
	}
	payload := o.payload
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	c := presignCreds
	c.SessionToken = o.token
	u, h, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, payload, service, "cn-north-1", presignAt,
		func(so *v4.SignerOptions) { so.DisableURIPathEscaping = service == "s3" })
	if err != nil {
		t.Fatal(err)
	}
	h.Del("Host")
	return u, h
}

func sha256Hex(b string) string {
	sum := sha256.Sum256([]byte(b))
	return hex.EncodeToString(sum[:])
}

// TestPresignSDK has aws-sdk-go-v2's PresignHTTP presign URLs that a
// server running the verifier must accept over a real connection, and
// checks what the verifier reports: the key, the scope, and the validity
// period from X-Amz-Date to X-Amz-Date + X-Amz-Expires.
func TestPresignSDK(t *testing.T) {
	results := make(chan Result, 1)
	srv := verifyingServer(t, AWS4{}, presignKeys, results)
	tests := []struct {
		name string
		o    presignOpts
		body string
	}{
		{name: "GET", o: presignOpts{method: "GET", target: "/v1/items", expires: 900}},
		{name: "GET query UTF-8, reserved, repeated, empty, plus", o: presignOpts{method: "GET",
			target: "/v1/items?zeta=1&%E5%90%8D=%E5%80%BC&alpha=a%2Fb%3Fc%26d&alpha=&flag&sp=a+b&sp2=a%20b", expires: 60}},
		{name: "GET path to encode twice", o: presignOpts{method: "GET", target: "/v1/my%20item/%E1%88%B4/a:b", expires: 60}},
		{name: "S3 object, path as sent", o: presignOpts{method: "GET", target: "/bucket/my%20key.txt", service: "s3", expires: 3600}},
		{name: "1 second", o: presignOpts{method: "GET", target: "/", expires: 1}},
		{name: "7 days", o: presignOpts{method: "GET", target: "/", expires: 604800}},
		{name: "session token", o: presignOpts{method: "GET", target: "/", expires: 60, token: "tok/en+=="}},
		{name: "empty body hash (botocore, services but S3)", o: presignOpts{method: "GET", target: "/?Action=GetCallerIdentity&Version=2011-06-15",
			service: "sts", payload: sha256Hex(""), expires: 60}},
		{name: "PUT body unsigned", o: presignOpts{method: "PUT", target: "/bucket/k", service: "s3", expires: 60}, body: "any body"},
		{name: "POST body hash signed", o: presignOpts{method: "POST", target: "/v1/items", payload: sha256Hex(`{"k":"v"}`), expires: 60,
			header: http.Header{"Content-Type": {"application/json"}}}, body: `{"k":"v"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, h := presignURL(t, srv.URL, tc.o)
			req, err := http.NewRequest(tc.o.method, u, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range h {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %s: %s", tc.o.method, u, resp.Status, got)
			}
			res := <-results
			service := tc.o.service
			if service == "" {
				service = "execute-api"
			}
			want := Result{Scheme: "AWS4-HMAC-SHA256", AccessKey: "AKIDPRE", SignedAt: presignAt,
				Expires: presignAt.Add(time.Duration(tc.o.expires) * time.Second), Presigned: true,
				Region: "cn-north-1", Service: service}
			if res != want {
				t.Errorf("result %+v, want %+v", res, want)
			}
		})
	}
}

// verifyURL verifies a request for rawURL as a server would receive it.
func verifyURL(method, rawURL, body string, header http.Header) (Result, error) {
	req := httptest.NewRequest(method, rawURL, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	return AWS4{}.Verify(req, []byte(body), presignKeys)
}

// replaceParam returns rawURL with the raw value of the query parameter
// name replaced by value, or the parameter removed when remove is set.
func replaceParam(rawURL, name, value string, remove bool) string {
	base, query, _ := strings.Cut(rawURL, "?")
	var out []string
	for _, p := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(p, "=")
		if k == name {
			if remove {
				continue
			}
			p = k + "=" + value
		}
		out = append(out, p)
	}
	return base + "?" + strings.Join(out, "&")
}

func paramOf(t *testing.T, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

// TestPresignRefusals changes one thing of a good presigned URL at a time
// and checks the refusal's condition: what a holder of the URL might try
// to stretch it to another request, and what a broken client might send.
func TestPresignRefusals(t *testing.T) {
	const base = "http://api.example.com"
	good, _ := presignURL(t, base, presignOpts{method: "GET", target: "/v1/items?a=1&b=two", expires: 300, token: "tok"})
	if _, err := verifyURL("GET", good, "", nil); err != nil {
		t.Fatalf("the good URL: %v", err)
	}
	withBody, _ := presignURL(t, base, presignOpts{method: "POST", target: "/v1/items", payload: sha256Hex(""), expires: 300})
	if _, err := verifyURL("POST", withBody, "", nil); err != nil {
		t.Fatalf("the URL signed over an empty body: %v", err)
	}
	date := paramOf(t, good, "X-Amz-Date")
	sig := paramOf(t, good, "X-Amz-Signature")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == '0' {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
		return string(b)
	}
	tests := []struct {
		name, method, url, body string
		header                  http.Header
		want                    *errcode.Condition
	}{
		{name: "signature byte", url: replaceParam(good, "X-Amz-Signature", flip(sig, 17), false), want: errcode.SignatureMismatch},
		{name: "date second", url: replaceParam(good, "X-Amz-Date", flip(date, len(date)-2), false), want: errcode.SignatureMismatch},
		{name: "date day", url: replaceParam(good, "X-Amz-Date", flip(date, 7), false), want: errcode.AuthBadTimestamp},
		{name: "date malformed", url: replaceParam(good, "X-Amz-Date", "2024-05-17T10:30:00Z", false), want: errcode.AuthBadTimestamp},
		{name: "expires longer", url: replaceParam(good, "X-Amz-Expires", "301", false), want: errcode.SignatureMismatch},
		{name: "expires with leading zero", url: replaceParam(good, "X-Amz-Expires", "0300", false), want: errcode.SignatureMismatch},
		{name: "expires zero", url: replaceParam(good, "X-Amz-Expires", "0", false), want: errcode.AuthMalformedHeader},
		{name: "expires past 7 days", url: replaceParam(good, "X-Amz-Expires", "604801", false), want: errcode.AuthMalformedHeader},
		{name: "expires negative", url: replaceParam(good, "X-Amz-Expires", "-1", false), want: errcode.AuthMalformedHeader},
		{name: "expires not a number", url: replaceParam(good, "X-Amz-Expires", "1h", false), want: errcode.AuthMalformedHeader},
		{name: "expires missing", url: replaceParam(good, "X-Amz-Expires", "", true), want: errcode.AuthMissingTimestamp},
		{name: "date missing", url: replaceParam(good, "X-Amz-Date", "", true), want: errcode.AuthMissingTimestamp},
		{name: "credential missing", url: replaceParam(good, "X-Amz-Credential", "", true), want: errcode.AuthMissingKey},
		{name: "signature missing", url: replaceParam(good, "X-Amz-Signature", "", true), want: errcode.AuthMissingSignature},
		{name: "algorithm missing", url: replaceParam(good, "X-Amz-Algorithm", "", true), want: errcode.AuthMalformedHeader},
		{name: "algorithm other", url: replaceParam(good, "X-Amz-Algorithm", "AWS4-HMAC-SHA1", false), want: errcode.AuthMalformedHeader},
		{name: "signed headers missing", url: replaceParam(good, "X-Amz-SignedHeaders", "", true), want: errcode.AuthMalformedHeader},
		{name: "host not signed", url: replaceParam(good, "X-Amz-SignedHeaders", "x-amz-date", false), want: errcode.AuthMalformedHeader},
		{name: "security token removed", url: replaceParam(good, "X-Amz-Security-Token", "", true), want: errcode.SignatureMismatch},
		{name: "security token changed", url: replaceParam(good, "X-Amz-Security-Token", "tol", false), want: errcode.SignatureMismatch},
		{name: "unknown key", url: replaceParam(good, "X-Amz-Credential", "AKIDNONE%2F20240517%2Fcn-north-1%2Fexecute-api%2Faws4_request", false), want: errcode.KeyNotFound},
		{name: "scope of another day", url: replaceParam(good, "X-Amz-Credential", "AKIDPRE%2F20240518%2Fcn-north-1%2Fexecute-api%2Faws4_request", false), want: errcode.AuthBadTimestamp},
		{name: "scope terminator", url: replaceParam(good, "X-Amz-Credential", "AKIDPRE%2F20240517%2Fcn-north-1%2Fexecute-api%2Fjdcloud2_request", false), want: errcode.AuthMalformedHeader},
		{name: "other region", url: replaceParam(good, "X-Amz-Credential", "AKIDPRE%2F20240517%2Fcn-south-1%2Fexecute-api%2Faws4_request", false), want: errcode.SignatureMismatch},
		{name: "query value", url: strings.Replace(good, "a=1", "a=2", 1), want: errcode.SignatureMismatch},
		{name: "query parameter added", url: good + "&c=3", want: errcode.SignatureMismatch},
		{name: "query parameter removed", url: strings.Replace(good, "a=1&", "", 1), want: errcode.SignatureMismatch},
		{name: "path", url: strings.Replace(good, "/v1/items", "/v1/itemz", 1), want: errcode.SignatureMismatch},
		{name: "host", url: strings.Replace(good, "api.example.com", "evil.example.com", 1), want: errcode.SignatureMismatch},
		{name: "second signature", url: good + "&X-Amz-Signature=" + sig, want: errcode.AuthMalformedHeader},
		{name: "second date, escaped name", url: good + "&X-Amz%2DDate=" + date, want: errcode.AuthMalformedHeader},
		{name: "method POST", method: "POST", url: good, want: errcode.SignatureMismatch},
		{name: "method PUT", method: "PUT", url: good, body: "x", want: errcode.SignatureMismatch},
		{name: "method DELETE", method: "DELETE", url: good, want: errcode.SignatureMismatch},
		{name: "method HEAD", method: "HEAD", url: good, want: errcode.SignatureMismatch},
		{name: "Authorization too", url: good, header: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=x"}}, want: errcode.AuthMalformedHeader},
		{name: "content hash not the body's", url: good, header: http.Header{"X-Amz-Content-Sha256": {sha256Hex("x")}}, want: errcode.SignatureMismatch},
		{name: "body under an empty-body signature", method: "POST", url: withBody, body: "injected", want: errcode.SignatureMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			_, err := verifyURL(method, tc.url, tc.body, tc.header)
			wantCond(t, err, tc.want)
		})
	}
}

// TestPresignEveryByte changes each byte of a presigned URL's path and
// query in turn: no change may verify.
func TestPresignEveryByte(t *testing.T) {
	const base = "http://api.example.com"
	good, _ := presignURL(t, base, presignOpts{method: "GET", target: "/v1/a%20b?x=%E5%90%8D&y=1", expires: 300})
	start := len(base)
	for i := start; i < len(good); i++ {
		b := []byte(good)
		b[i] ^= 1
		if b[i] == '#' {
			continue // a fragment is never sent
		}
		if _, err := verifyURL("GET", string(b), "", nil); err == nil {
			t.Errorf("byte %d changed to %q: %s verifies", i, b[i], b)
		}
	}
}

// TestPresignedMatch checks which requests the AWS4 scheme claims as
// presigned: the parameter names as clients write them, and nothing that
// merely contains them.
func TestPresignedMatch(t *testing.T) {
	for query, want := range map[string]bool{
		"X-Amz-Signature=00":                   true,
		"a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256": true,
		"X-Amz-Credential=AK%2F":               true,
		"X-Amz-Date=20240517T000000Z":          false,
		"aX-Amz-Signature=1":                   false,
		"a=X-Amz-Signature":                    false,
		"x-amz-signature=1":                    false,
		"":                                     false,
	} {
		r := httptest.NewRequest("GET", "/?"+query, nil)
		if got := Presigned(r); got != want {
			t.Errorf("Presigned(%q) = %v, want %v", query, got, want)
		}
	}
}

// BenchmarkVerifyPresigned verifies one presigned GET with a query, warm:
// two canonical requests (UNSIGNED-PAYLOAD, then the empty body's hash)
// when the URL was signed over the body's hash, one otherwise.
func BenchmarkVerifyPresigned(b *testing.B) {
	t := &testing.T{}
	for _, payload := range []string{"UNSIGNED-PAYLOAD", sha256Hex("")} {
		u, _ := presignURL(t, "http://api.example.com", presignOpts{method: "GET", target: "/v1/items?b=2&a=1", expires: 300, payload: payload})
		req := httptest.NewRequest("GET", u, nil)
		name := "unsigned-payload"
		if payload != "UNSIGNED-PAYLOAD" {
			name = "body-hash"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (AWS4{}).Verify(req, nil, presignKeys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

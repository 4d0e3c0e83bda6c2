package auth

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// verifyingServer answers 200 "ok" to requests that verify with scheme and
// keys and 401 with the error otherwise, and hands each Result to got.
func verifyingServer(t *testing.T, scheme Scheme, keys Keys, got chan<- Result) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := scheme.Verify(r, body, keys)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if got != nil {
			got <- res
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAWS4Curl has curl --aws-sigv4 (7.88 here) sign requests that a
// server running the verifier must accept. curl 7.88 signs the query in
// the order given, unsorted, and the path as given: both are accepted.
func TestAWS4Curl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed; the AWS4 curl proof did not run")
	}
	if out, err := exec.Command(curl, "--version").Output(); err == nil {
		t.Logf("%s", strings.SplitN(string(out), "\n", 2)[0])
	}
	keys := keyring{"AKIDCURL": {[]byte("curl-secret-key/+=")}}
	results := make(chan Result, 1)
	srv := verifyingServer(t, AWS4{}, keys, results)
	tests := []struct {
		name, provider, target string
		args                   []string
	}{
		{"GET sorted query", "aws:amz:us-east-1:execute-api", "/v1/items?a=1&b=2", nil},
		{"GET unsorted query", "aws:amz:eu-west-3:execute-api", "/v1/items?zeta=last&alpha=first&m=a%20b", nil},
		{"GET no query", "aws:amz:us-east-1:service", "/", nil},
		{"GET path with sub-delims", "aws:amz:us-east-1:execute-api", "/v1/a:b(c)!*", nil},
		{"POST body", "aws:amz:us-east-1:execute-api", "/v1/items",
			[]string{"-H", "Content-Type: application/json", "--data-binary", `{"name":"widget","n":1}`}},
		{"PUT s3 escaped path", "aws:amz:us-east-1:s3", "/bucket/my%20key.txt?x-id=PutObject",
			[]string{"-X", "PUT", "--data-binary", "object body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-sS", "--fail-with-body", "--aws-sigv4", tc.provider,
				"--user", "AKIDCURL:curl-secret-key/+="}, tc.args...)
			out, err := exec.Command(curl, append(args, srv.URL+tc.target)...).CombinedOutput()
			if err != nil || string(out) != "ok" {
				t.Fatalf("curl %s: %v: %s", tc.target, err, out)
			}
			res := <-results
			region, service, _ := strings.Cut(strings.TrimPrefix(tc.provider, "aws:amz:"), ":")
			if res.AccessKey != "AKIDCURL" || res.Region != region || res.Service != service || res.SignedAt.IsZero() {
				t.Errorf("result %+v, want AKIDCURL in %s/%s with a time", res, region, service)
			}
		})
	}

	t.Run("wrong secret", func(t *testing.T) {
		out, err := exec.Command(curl, "-sS", "--aws-sigv4", "aws:amz:us-east-1:execute-api",
			"--user", "AKIDCURL:not-the-secret", srv.URL+"/v1/items?b=2&a=1").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "APIGW_SIGN_RESULT_NOT_SAME") {
			t.Errorf("curl with a wrong secret: %v: %s, want a signature mismatch", err, out)
		}
	})
}

// TestAWS4CurlPercentPath pins the documented gap and its workaround
// (docs/auth.md, "curl and paths with '%'"): curl 7.88 signs the path as
// sent, never encoded again, so a path holding '%' signed for a service
// other than s3 is refused (accepting the path as sent there would let
// "/a%2520b" and "/a%20b" share a signature); signed for the service s3,
// whose canonical path is the path as sent, it is accepted.
func TestAWS4CurlPercentPath(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	keys := keyring{"AKIDCURL": {[]byte("curl-secret")}}
	srv := verifyingServer(t, AWS4{}, keys, nil)
	for _, tc := range []struct {
		provider string
		want     string
	}{
		{"aws:amz:us-east-1:execute-api", "APIGW_SIGN_RESULT_NOT_SAME"},
		{"aws:amz:us-east-1:s3", "ok"},
	} {
		out, _ := exec.Command(curl, "-sS", "--aws-sigv4", tc.provider, "--user", "AKIDCURL:curl-secret",
			srv.URL+"/v1/my%20item?b=2&a=1").CombinedOutput()
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("curl --aws-sigv4 %s on a path with %%: %s, want %s", tc.provider, out, tc.want)
		}
	}
}

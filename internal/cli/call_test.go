package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/gateway"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// callGateway starts a real gateway with one signed group, g-demo, whose
// test environment proxies to a backend that echoes the caller headers
// and the body; it returns the gateway's port.
func callGateway(t *testing.T, authType string) string {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{
			"pin": r.Header.Get("X-Jdcloud-Pin"), "scheme": r.Header.Get("X-Tollgate-Auth-Scheme"),
			"query": r.URL.RawQuery, "body": string(b), "x": r.Header.Get("X-Extra"),
		})
	}))
	t.Cleanup(backend.Close)
	g := model.Group{ID: "g-demo", Name: "demo", AuthType: authType}
	pubs := []model.Published{{Group: g, Environment: model.EnvTest,
		Revision: model.Revision{GroupID: g.ID, Revision: "1.0.0", APIs: []model.API{
			{ID: "hello", Name: "hello", Method: "ANY", Path: "/hello", MatchType: model.MatchAbsolute}}},
		Backend: &model.Backend{Type: model.BackendHTTP, URLs: []string{backend.URL}, TimeoutMs: 2000}}}
	callers := model.Callers{
		Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
		Keys: []model.Key{
			{AccessKey: "AK", Pin: "acme", Kind: model.KeySignature, Enabled: true, Secret: []byte("SK")},
			{AccessKey: "APP", Pin: "acme", Kind: model.KeyAppKey, Enabled: true, Secret: []byte("APPSK")},
		},
		Authorizations: []model.Authorization{{GroupID: g.ID, Environment: model.EnvTest, Pin: "acme"}},
	}
	h := new(snapshot.Holder)
	if err := h.Update(snapshot.Options{}, pubs, callers); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(gateway.Config{Snapshots: h}))
	t.Cleanup(srv.Close)
	return srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
}

func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestCallEveryScheme signs with each scheme and calls the gateway by its
// .localhost name, which only tollgate call's own dialling resolves.
func TestCallEveryScheme(t *testing.T) {
	port := callGateway(t, model.AuthSignature)
	url := "http://g-demo-test.localhost:" + port + "/hello?x=1"
	for _, scheme := range model.SignatureSchemes {
		code, out, errOut := runMain("call", "--key", "AK", "--secret", "SK", "--scheme", scheme, "GET", url)
		if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 200 OK\n") ||
			!strings.Contains(out, `"pin":"acme"`) || !strings.Contains(out, `"scheme":"`+scheme+`"`) ||
			!strings.Contains(out, `x=1"`) || strings.Contains(out, "SecretId") || strings.Contains(out, "signature") {
			t.Errorf("%s: exit %d\n%s\n%s", scheme, code, out, errOut)
		}
	}
	// Flags after the arguments, a body, and a header.
	code, out, errOut := runMain("call", "POST", url, "-d", `{"a":1}`, "-H", "X-Extra: yes", "--key=AK", "--secret=SK")
	if code != 0 || !strings.Contains(out, `"body":"{\"a\":1}"`) || !strings.Contains(out, `"x":"yes"`) ||
		!strings.Contains(out, `"scheme":"`+defaultCallScheme+`"`) {
		t.Errorf("POST: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestCallAppKeyAndFile(t *testing.T) {
	port := callGateway(t, model.AuthAppKey)
	body := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(body, []byte(`{"from":"file"}`), 0o600)
	code, out, errOut := runMain("call", "--key", "APP", "--secret", "APPSK", "--scheme", "APPKEY", "-d", "@"+body,
		"PUT", "http://g-demo-test.localhost:"+port+"/hello")
	if code != 0 || !strings.Contains(out, `"body":"{\"from\":\"file\"}"`) || !strings.Contains(out, `"query":""`) {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestCallEnvironmentAndRefusals(t *testing.T) {
	port := callGateway(t, model.AuthSignature)
	url := "http://g-demo-test.localhost:" + port + "/hello"
	env := map[string]string{"TOLLGATE_ACCESS_KEY": "AK", "TOLLGATE_SECRET_KEY": "SK"}
	getenv = func(k string) string { return env[k] }
	t.Cleanup(func() { getenv = os.Getenv })

	if code, out, errOut := runMain("call", "GET", url); code != 0 || !strings.HasPrefix(out, "HTTP/1.1 200 OK") {
		t.Errorf("key from the environment: exit %d\n%s\n%s", code, out, errOut)
	}
	// A refusal is shown as it came: status line, headers, envelope.
	code, out, _ := runMain("call", "--secret", "wrong", "GET", url)
	if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 401 Unauthorized\n") || !strings.Contains(out, "APIGW_SIGN_RESULT_NOT_SAME") ||
		!strings.Contains(out, "\nX-Request-Id: ") {
		t.Errorf("wrong secret: exit %d\n%s", code, out)
	}
	if code, _, _ := runMain("call", "--fail", "--secret", "wrong", "GET", url); code != 1 {
		t.Errorf("--fail on a 401: exit %d, want 1", code)
	}
	env = nil
	code, out, errOut := runMain("call", "GET", url)
	if code != 0 || !strings.Contains(out, "APIGW_LACK_PARAMS") || !strings.Contains(errOut, "unsigned") {
		t.Errorf("no key: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestCallUsage(t *testing.T) {
	for _, args := range [][]string{
		{"call"},
		{"call", "GET"},
		{"call", "GET", "ftp://x/y"},
		{"call", "--scheme", "NOPE", "GET", "http://x/"},
		{"call", "--key", "AK", "--secret", "", "GET", "http://x/"},
		{"call", "-H", "no colon", "GET", "http://x/"},
	} {
		if code, _, _ := runMain(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runMain("call", "-h"); code != 0 || !strings.Contains(errOut, "METHOD URL") {
		t.Errorf("-h: exit %d: %s", code, errOut)
	}
}

func TestIsLocalhost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "g1-test.localhost": true, "G1.LOCALHOST.": true,
		"localhost.example.com": false, "notlocalhost": false, "127.0.0.1": false,
	} {
		if got := isLocalhost(host); got != want {
			t.Errorf("isLocalhost(%q) = %v", host, got)
		}
	}
	var _ auth.Signer = auth.JDCloud2{}
}

// TestCallNonceReplay signs twice with the same --nonce: the gateway
// serves the first call and refuses the second as a replay.
func TestCallNonceReplay(t *testing.T) {
	port := callGateway(t, model.AuthSignature)
	url := "http://g-demo-test.localhost:" + port + "/hello"
	wants := []string{"HTTP/1.1 200 OK\n", "HTTP/1.1 403 Forbidden\n"}
	for i, want := range wants {
		_, out, errOut := runMain("call", "--key", "AK", "--secret", "SK", "--nonce", "n-1", "GET", url)
		if !strings.HasPrefix(out, want) || (i == 1 && !strings.Contains(out, "APIGW_NONCE_CONFLICT")) {
			t.Errorf("call %d: got\n%s%s\nwant %q", i+1, out, errOut, want)
		}
	}
}

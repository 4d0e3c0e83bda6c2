package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/cli"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// TestSignedCallers walks issue 3's quick start against the real server:
// a signed group, an account and its key made through the admin API, the
// key refused until it is authorized, then served when signed by curl
// --aws-sigv4 and by tollgate call; the backend told who called; the same
// signed request refused the second time; a disabled key refused; a
// rotated key's old secret still working in its grace period.
func TestSignedCallers(t *testing.T) {
	s := start(t, app.Config{})
	echo := proxytest.Echo(t, "echo")
	g := s.publish(
		map[string]any{"name": "orders", "authType": "signature"},
		map[string]any{"name": "hello", "method": "GET", "path": "/hello"},
		"test",
		map[string]any{"type": "http", "urls": []string{echo.URL}},
	)
	_, port, _ := net.SplitHostPort(s.data)
	host := g + "-test.localhost"
	url := "http://" + host + ":" + port + "/hello"

	s.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": "acme", "name": "Acme"})
	key := s.mustCall(201, "POST", "/v1/accounts/acme/keys", nil)
	ak, sk := key["accessKey"].(string), key["secretKey"].(string)
	if ak == "" || sk == "" {
		t.Fatalf("key: %v", key)
	}

	// Not authorized yet.
	if code, out := tollgateCall(t, "--key", ak, "--secret", sk, "GET", url); code != 0 ||
		!strings.HasPrefix(out, "HTTP/1.1 404 ") || !strings.Contains(out, "APIGATEWAY_BIND_GROUP_NOT_FOUND") {
		t.Fatalf("before the authorization: exit %d\n%s", code, out)
	}
	s.mustCall(201, "POST", "/v1/groups/"+g+"/authorizations", map[string]any{"environment": "test", "accessKey": ak})

	// curl signs AWS4; --resolve keeps the group's host name, which is
	// signed, while connecting to the loopback port.
	if _, err := exec.LookPath("curl"); err != nil {
		t.Log("curl not found: skipping the curl calls")
	} else {
		out := curl(t, "--aws-sigv4", "aws:amz:us-east-1:tollgate", "--user", ak+":"+sk,
			"--resolve", host+":"+port+":127.0.0.1", url+"?b=2&a=1")
		got := echoedIn(t, out)
		if got.Header.Get("X-Jdcloud-Pin") != "acme" || got.Header.Get("X-Jdcloud-Access-Key") != ak ||
			got.Header.Get("X-Tollgate-Auth-Scheme") != "AWS4-HMAC-SHA256" ||
			got.Header.Get("Authorization") != "" || got.Header.Get("X-Amz-Date") != "" {
			t.Errorf("curl --aws-sigv4: backend got %v", got.Header)
		}
		out = curl(t, "--aws-sigv4", "aws:amz:us-east-1:tollgate", "--user", ak+":wrong",
			"--resolve", host+":"+port+":127.0.0.1", url)
		if !strings.Contains(out, "HTTP/1.1 401") || !strings.Contains(out, "APIGW_SIGN_RESULT_NOT_SAME") {
			t.Errorf("curl with a wrong secret:\n%s", out)
		}

		// The same JDCLOUD2-signed request, sent twice by curl.
		req, _ := http.NewRequest("GET", url, nil)
		if err := (auth.JDCloud2{}).Sign(req, nil, auth.Signing{AccessKey: ak, Secret: []byte(sk),
			Time: time.Now(), Region: "cn-north-1", Service: "tollgate"}); err != nil {
			t.Fatal(err)
		}
		args := []string{"--resolve", host + ":" + port + ":127.0.0.1"}
		for _, k := range []string{"Authorization", "X-Jdcloud-Date", "X-Jdcloud-Nonce"} {
			args = append(args, "-H", k+": "+req.Header.Get(k))
		}
		args = append(args, url)
		if out := curl(t, args...); !strings.Contains(out, "HTTP/1.1 200") {
			t.Errorf("signed request, first time:\n%s", out)
		}
		if out := curl(t, args...); !strings.Contains(out, "HTTP/1.1 403") || !strings.Contains(out, "APIGW_NONCE_CONFLICT") {
			t.Errorf("signed request, second time:\n%s", out)
		}
	}

	// tollgate call, with the key from the environment.
	t.Setenv("TOLLGATE_ACCESS_KEY", ak)
	t.Setenv("TOLLGATE_SECRET_KEY", sk)
	code, out := tollgateCall(t, "GET", url)
	if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 200 OK") {
		t.Fatalf("tollgate call: exit %d\n%s", code, out)
	}
	if got := echoedIn(t, out); got.Header.Get("X-Tollgate-Auth-Scheme") != "JDCLOUD2-HMAC-SHA256" ||
		got.Header.Get("X-Jdcloud-Nonce") != "" || got.Header.Get("X-Jdcloud-Pin") != "acme" {
		t.Errorf("tollgate call: backend got %v", got.Header)
	}

	// The same signed request, sent twice by a Go client.
	req, _ := http.NewRequest("GET", "http://"+s.data+"/hello", nil)
	req.Host = host
	(auth.JDCloud2{}).Sign(req, nil, auth.Signing{AccessKey: ak, Secret: []byte(sk), Time: time.Now(),
		Region: "cn-north-1", Service: "tollgate"})
	if r := s.do(req); r.status != 200 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	if r := s.do(req); r.status != 403 || r.errorStatus(t) != "APIGW_NONCE_CONFLICT" {
		t.Errorf("replay: %d %s", r.status, r.body)
	}

	// Rotation: the old secret keeps working in its grace period.
	rotated := s.mustCall(200, "POST", "/v1/accounts/acme/keys/"+ak+"/rotate", map[string]any{"graceSeconds": 3600})
	newSK, _ := rotated["secretKey"].(string)
	if newSK == "" || newSK == sk {
		t.Fatalf("rotate: %v", rotated)
	}
	for _, secret := range []string{sk, newSK} {
		if code, out := tollgateCall(t, "--secret", secret, "GET", url); !strings.HasPrefix(out, "HTTP/1.1 200 OK") {
			t.Errorf("after rotation, secret %s…: exit %d\n%s", secret[:4], code, out)
		}
	}

	// A disabled key is refused at once.
	s.mustCall(200, "PATCH", "/v1/accounts/acme/keys/"+ak, map[string]any{"enabled": false})
	if _, out := tollgateCall(t, "--secret", newSK, "GET", url); !strings.HasPrefix(out, "HTTP/1.1 401 ") ||
		!strings.Contains(out, "APIGW_KEY_DISABLED") {
		t.Errorf("disabled key:\n%s", out)
	}
}

// tollgateCall runs `tollgate call args...` in process.
func tollgateCall(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(append([]string{"call"}, args...), &out, &errb)
	if errb.Len() > 0 {
		t.Logf("tollgate call stderr: %s", errb.String())
	}
	return code, out.String()
}

// curl runs curl and returns the response with its headers (-i).
func curl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "-i", "--max-time", "10"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %q: %v\n%s", args, err, out)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

// echoedIn decodes the echo backend's answer at the end of a printed
// response (status line, headers, blank line, body).
func echoedIn(t *testing.T, out string) proxytest.Echoed {
	t.Helper()
	_, body, ok := strings.Cut(out, "\n\n")
	var e proxytest.Echoed
	if !ok || json.Unmarshal([]byte(body), &e) != nil {
		t.Fatalf("no backend answer in\n%s", out)
	}
	return e
}

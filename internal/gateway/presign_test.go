package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// Groups that accept AWS4 in the dialects other than jdcloud's, besides
// the signed fixture's g-jd (jdcloud, every scheme but APPKEY) and g-pin.
const (
	hostTCAWS = "g-tca.localhost" // tencent dialect, AWS4 only
	hostZNAWS = "g-zna.localhost" // zenith dialect, AWS4 only
)

// newPresignHarness is the signed fixture plus hostTCAWS and hostZNAWS,
// on which acme is authorized. clock, when not nil, is the gateway's.
func newPresignHarness(t *testing.T, clock func() time.Time) *harness {
	t.Helper()
	backend := proxytest.Echo(t, "echo")
	pubs := fixtureGroups(backend.URL)
	apis := []model.API{
		api("getUser", "GET", "/users/{id}", model.MatchAbsolute, ""),
		api("echo", "ANY", "/echo", model.MatchAbsolute, ""),
	}
	callers := fixtureCallers()
	for _, g := range []struct {
		id string
		d  errcode.Dialect
	}{{"g-tca", errcode.DialectTencent}, {"g-zna", errcode.DialectZenith}} {
		x := group(g.id, g.d, errcode.English)
		x.AuthType, x.Schemes = model.AuthSignature, []string{model.SchemeAWS4}
		pubs = append(pubs, published(x, model.EnvOnline, httpBackend(2000, backend.URL), apis...))
		callers.Authorizations = append(callers.Authorizations,
			model.Authorization{ID: "acme" + g.id, GroupID: g.id, Environment: model.EnvOnline, Pin: "acme"})
	}
	return newCallersHarness(t, Config{MaxBodyBytes: 1 << 20, Clock: clock}, callers, pubs...)
}

// origin is the gateway's address for host, as a client writes it:
// http://host:port.
func (h *harness) origin(host string) string {
	_, port, _ := net.SplitHostPort(h.srv.Listener.Addr().String())
	return "http://" + host + ":" + port
}

// loopbackClient sends every request to the gateway, whatever the URL's
// host, the way a *.localhost name resolves.
func (h *harness) loopbackClient() *http.Client {
	addr := h.srv.Listener.Addr().String()
	d := new(net.Dialer)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// presign has aws-sdk-go-v2's PresignHTTP presign method target on host,
// signed at the harness's time plus at, valid for expires seconds, with
// AK's secret, region cn-north-1 and service svc.
func (h *harness) presign(method, host, target string, at time.Duration, expires int, payload string, token string) string {
	h.t.Helper()
	req, err := http.NewRequest(method, h.origin(host)+target, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if req.URL.RawQuery != "" {
		req.URL.RawQuery += "&"
	}
	req.URL.RawQuery += "X-Amz-Expires=" + strconv.Itoa(expires)
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	creds := aws.Credentials{AccessKeyID: "AK", SecretAccessKey: secretAK, SessionToken: token}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, payload, "svc", "cn-north-1", h.clock.Now().Add(at))
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// send sends method to rawURL through the loopback client.
func (h *harness) send(method, rawURL, body string) response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	saved := h.client
	h.client = h.loopbackClient()
	defer func() { h.client = saved }()
	return h.do(req)
}

// queryWithoutPresign returns rawURL's query as sent, without the
// parameters whose names start with X-Amz-: what the backend should get.
func queryWithoutPresign(rawURL string) string {
	_, q, _ := strings.Cut(rawURL, "?")
	var keep []string
	for _, p := range strings.Split(q, "&") {
		if !strings.HasPrefix(p, "X-Amz-") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "&")
}

// wantNoPresignParams fails unless the backend's request line has none of
// a presigned URL's parameters and its query is want.
func wantNoPresignParams(t *testing.T, got proxytest.Echoed, want string) {
	t.Helper()
	_, query, _ := strings.Cut(got.RequestURI, "?")
	if strings.Contains(strings.ToLower(query), "x-amz-") || query != want {
		t.Errorf("backend got query %q, want %q with no X-Amz-* parameter", query, want)
	}
	for k := range got.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") || k == "Authorization" {
			t.Errorf("backend got header %s", k)
		}
	}
}

// TestPresignedURL sends presigned URLs made by aws-sdk-go-v2 to a real
// gateway: accepted on a group that accepts AWS4, usable until they
// expire and not after, bound to their method, and stripped of their
// credentials before the backend sees them.
func TestPresignedURL(t *testing.T) {
	h := newPresignHarness(t, nil)

	t.Run("GET reaches the backend without credentials", func(t *testing.T) {
		u := h.presign("GET", hostJD, "/users/1?q=a%20b&%E5%90%8D=%E5%80%BC&e=", 0, 300, "", "session-token")
		resp := h.send("GET", u, "")
		got := resp.echoed(t)
		wantNoPresignParams(t, got, queryWithoutPresign(u))
		if v := got.Header.Get("X-Jdcloud-Access-Key"); v != "AK" {
			t.Errorf("backend got access key %q", v)
		}
		if v := got.Header.Get("X-Tollgate-Auth-Scheme"); v != model.SchemeAWS4 {
			t.Errorf("backend got scheme %q", v)
		}
		// No nonce: the same URL works again until it expires.
		if again := h.send("GET", u, ""); again.StatusCode != 200 {
			t.Errorf("the same URL again: %d %s", again.StatusCode, again.body)
		}
	})

	t.Run("body on a PUT URL signed UNSIGNED-PAYLOAD", func(t *testing.T) {
		u := h.presign("PUT", hostJD, "/echo", 0, 60, "", "")
		got := h.send("PUT", u, `{"upload":1}`).echoed(t)
		if got.Body != `{"upload":1}` || got.Method != "PUT" {
			t.Errorf("backend got %s %q", got.Method, got.Body)
		}
		wantNoPresignParams(t, got, "")
	})

	t.Run("body on a URL signed over an empty body", func(t *testing.T) {
		u := h.presign("POST", hostJD, "/echo", 0, 60, sha256Hex(""), "")
		if resp := h.send("POST", u, ""); resp.StatusCode != 200 {
			t.Fatalf("empty body: %d %s", resp.StatusCode, resp.body)
		}
		resp := h.send("POST", u, `{"injected":1}`)
		if resp.StatusCode != 401 || resp.code() != "APIGW_SIGN_RESULT_NOT_SAME" {
			t.Errorf("injected body: %d %s", resp.StatusCode, resp.body)
		}
	})

	t.Run("another method", func(t *testing.T) {
		u := h.presign("GET", hostJD, "/echo", 0, 60, "", "")
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "HEAD"} {
			resp := h.send(m, u, "")
			if resp.StatusCode != 401 {
				t.Errorf("%s on a GET URL: %d %s", m, resp.StatusCode, resp.body)
			}
			if m != "HEAD" && resp.code() != "APIGW_SIGN_RESULT_NOT_SAME" {
				t.Errorf("%s on a GET URL: %s", m, resp.body)
			}
		}
	})

	t.Run("expiry bounds", func(t *testing.T) {
		const week = 604800
		tests := []struct {
			name    string
			at      time.Duration
			expires int
			status  int
			code    string
		}{
			{"1 s, now", 0, 1, 200, ""},
			{"1 s, its last second", -time.Second, 1, 200, ""},
			{"1 s, a second late", -2 * time.Second, 1, 401, "UNAUTHENTICATED"},
			{"7 d, its last second", -week * time.Second, week, 200, ""},
			{"7 d, a second late", -(week + 1) * time.Second, week, 401, "UNAUTHENTICATED"},
			{"past 7 d", 0, week + 1, 401, "APIGW_ILLEGAL_HEADER"},
			{"0 s", 0, 0, 401, "APIGW_ILLEGAL_HEADER"},
			{"within the skew ahead", 299 * time.Second, 60, 200, ""},
			{"beyond the skew ahead", 301 * time.Second, 3600, 401, "UNAUTHENTICATED"},
		}
		for _, tt := range tests {
			resp := h.send("GET", h.presign("GET", hostJD, "/users/1", tt.at, tt.expires, "", ""), "")
			if resp.StatusCode != tt.status || tt.code != "" && resp.code() != tt.code {
				t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, resp.body, tt.status, tt.code)
			}
		}
	})

	t.Run("expires as the clock moves", func(t *testing.T) {
		u := h.presign("GET", hostJD, "/users/1", 0, 120, "", "")
		h.clock.Advance(120 * time.Second)
		if resp := h.send("GET", u, ""); resp.StatusCode != 200 {
			t.Fatalf("at its expiry: %d %s", resp.StatusCode, resp.body)
		}
		h.clock.Advance(time.Second)
		resp := h.send("GET", u, "")
		if resp.StatusCode != 401 || resp.code() != "UNAUTHENTICATED" || !strings.Contains(string(resp.body), "expired") {
			t.Errorf("a second after its expiry: %d %s", resp.StatusCode, resp.body)
		}
	})
}

// TestPresignedURLTampered changes one part of a presigned URL at a time
// and checks each dialect's code for it.
func TestPresignedURLTampered(t *testing.T) {
	h := newPresignHarness(t, nil)
	type codes struct{ mismatch, expired, malformed string }
	for host, want := range map[string]codes{
		hostJD:    {"APIGW_SIGN_RESULT_NOT_SAME", "UNAUTHENTICATED", "APIGW_ILLEGAL_HEADER"},
		hostTCAWS: {"4100", "4200", "4000"},
		hostZNAWS: {"1004", "1002", "1001"},
	} {
		good := h.presign("GET", host, "/users/1?a=1", 0, 300, "", "")
		if resp := h.send("GET", good, ""); resp.StatusCode != 200 {
			t.Fatalf("%s: the good URL: %d %s", host, resp.StatusCode, resp.body)
		}
		sig := good[strings.Index(good, "X-Amz-Signature=")+len("X-Amz-Signature="):]
		tests := []struct{ name, url, code string }{
			{"signature", strings.Replace(good, sig, flipHex(sig, 5), 1), want.mismatch},
			{"date", strings.Replace(good, "X-Amz-Date="+dateOf(good), "X-Amz-Date="+flipHex(dateOf(good), 14), 1), want.mismatch},
			{"expires", strings.Replace(good, "X-Amz-Expires=300", "X-Amz-Expires=301", 1), want.mismatch},
			{"expires beyond 7 days", strings.Replace(good, "X-Amz-Expires=300", "X-Amz-Expires=604801", 1), want.malformed},
			{"path", strings.Replace(good, "/users/1?", "/users/2?", 1), want.mismatch},
			{"query", strings.Replace(good, "a=1", "a=2", 1), want.mismatch},
			{"expired", h.presign("GET", host, "/users/1?a=1", -301*time.Second, 300, "", ""), want.expired},
		}
		for _, tt := range tests {
			resp := h.send("GET", tt.url, "")
			if resp.StatusCode == 200 || resp.code() != tt.code {
				t.Errorf("%s, %s: %d %s, want code %s", host, tt.name, resp.StatusCode, resp.body, tt.code)
			}
		}
	}

	t.Run("group without AWS4", func(t *testing.T) {
		resp := h.send("GET", h.presign("GET", hostTC, "/users/1", 0, 60, "", ""), "")
		if resp.StatusCode == 200 {
			t.Errorf("a TC3/TENCENT-V1 group took a presigned URL: %s", resp.body)
		}
	})

	t.Run("pinned scope", func(t *testing.T) {
		// g-pin pins service svc and region cn-north-1, which presign uses.
		if resp := h.send("GET", h.presign("GET", hostPinned, "/users/1", 0, 60, "", ""), ""); resp.StatusCode != 200 {
			t.Errorf("pinned group: %d %s", resp.StatusCode, resp.body)
		}
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// flipHex changes the hex digit or decimal digit at i of s.
func flipHex(s string, i int) string {
	b := []byte(s)
	if b[i] == '0' {
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	return string(b)
}

func dateOf(rawURL string) string {
	_, v, _ := strings.Cut(rawURL, "X-Amz-Date=")
	v, _, _ = strings.Cut(v, "&")
	return v
}

// TestPresignedURLCurl has curl fetch URLs that aws-sdk-go-v2 presigned,
// as a browser or a script handed the URL would.
func TestPresignedURLCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	h := newPresignHarness(t, nil)
	addr := h.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	fetch := func(method, u string) (int, []byte) {
		t.Helper()
		out, err := exec.Command(curl, "-sS", "-X", method, "--resolve", hostJD+":"+port+":127.0.0.1",
			"-w", "\n%{http_code}", u).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		i := strings.LastIndexByte(string(out), '\n')
		n, _ := strconv.Atoi(string(out[i+1:]))
		return n, out[:i]
	}
	u := h.presign("GET", hostJD, "/echo?x=%2F%3F&y=%E5%90%8D", 0, 300, "", "")
	status, body := fetch("GET", u)
	if status != 200 {
		t.Fatalf("curl GET: %d %s", status, body)
	}
	var got proxytest.Echoed
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	wantNoPresignParams(t, got, queryWithoutPresign(u))
	if !strings.Contains(got.RequestURI, "x=%2F%3F") {
		t.Errorf("backend got %s", got.RequestURI)
	}
	if status, body := fetch("DELETE", u); status != 401 {
		t.Errorf("curl DELETE on the GET URL: %d %s", status, body)
	}
}

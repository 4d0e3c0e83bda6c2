package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// The WebSocket fixture: a real WebSocket echo backend, and three groups
// in front of it.
//
//	host                 auth        APIs
//	g-ws.localhost       none        GET /chat (websocket), GET /plain
//	g-wss.localhost      signature   GET /chat (websocket); AK's authorization allows 2 calls a day
//	g-wsmk.localhost     none, market dialect, GET /chat (websocket)
const (
	hostWS       = "g-ws.localhost"
	hostWSSigned = "g-wss.localhost"
	hostWSMarket = "g-wsmk.localhost"
)

// wsBackend is a WebSocket echo server: /chat accepts the handshake and
// sends back every message it reads; any other path answers, in JSON, the
// headers it was called with. It counts the handshakes it accepted.
type wsBackend struct {
	*httptest.Server
	accepted atomic.Int64
}

func newWSBackend(t testing.TB) *wsBackend {
	b := new(wsBackend)
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/chat" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(r.Header)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return // Accept answered the client
		}
		b.accepted.Add(1)
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func newWSHarness(t *testing.T, cfg Config) (*harness, *wsBackend) {
	t.Helper()
	b := newWSBackend(t)
	chat := api("chat", "GET", "/chat", model.MatchAbsolute, "")
	chat.WebSocket = true
	plain := api("plain", "GET", "/plain", model.MatchAbsolute, "")
	signed := group("g-wss", errcode.DialectJDCloud, errcode.English)
	signed.AuthType = model.AuthSignature
	callers := fixtureCallers()
	callers.Authorizations = append(callers.Authorizations, model.Authorization{
		ID: "ws", GroupID: "g-wss", Environment: model.EnvOnline, AccessKey: "AK", DailyLimit: 2})
	h := newCallersHarness(t, cfg, callers,
		published(group("g-ws", errcode.DialectJDCloud, errcode.English), model.EnvOnline, httpBackend(2000, b.URL), chat, plain),
		published(signed, model.EnvOnline, httpBackend(2000, b.URL), chat),
		published(group("g-wsmk", errcode.DialectMarket, errcode.English), model.EnvOnline, httpBackend(2000, b.URL), chat),
	)
	return h, b
}

// dial opens a WebSocket through the gateway to host and path, with
// header; it returns the handshake's answer, its body read, when the
// handshake fails.
func (h *harness) dial(host, path string, header http.Header) (*websocket.Conn, response, error) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(h.srv.URL, "http") + path
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: host, HTTPHeader: header})
	if c != nil {
		c.SetReadLimit(1 << 20)
	}
	var r response
	if resp != nil {
		r.Response = resp
		if resp.Body != nil {
			r.body, _ = io.ReadAll(resp.Body)
		}
	}
	return c, r, err
}

// echo sends msg on c and returns what came back.
func echo(t testing.TB, c *websocket.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write %d bytes: %v", len(msg), err)
	}
	_, got, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read the echo of %d bytes: %v", len(msg), err)
	}
	return string(got)
}

// signedHeader returns the headers of a GET of path on host signed with
// AK, with nonce.
func (h *harness) signedHeader(host, path, nonce string) http.Header {
	h.t.Helper()
	req := h.request("GET", host, path, nil)
	h.sign(req, nil, signing{scheme: model.SchemeJDCloud3, ak: "AK", nonce: nonce})
	return req.Header
}

// TestWebSocketEcho: a WebSocket API tunnels a real client to a real echo
// backend, both ways, until the client closes; the access log shows the
// call as 101 with the bytes of the tunnel.
func TestWebSocketEcho(t *testing.T) {
	h, b := newWSHarness(t, Config{})
	c, r, err := h.dial(hostWS, "/chat", nil)
	if err != nil {
		t.Fatalf("dial: %v (status %d, %s)", err, r.StatusCode, r.body)
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("the 101 carries no X-Request-Id")
	}
	for _, msg := range []string{"hello", strings.Repeat("x", 100<<10), "ünïcode"} {
		if got := echo(t, c, msg); got != msg {
			t.Fatalf("echo of %d bytes: got %d bytes", len(msg), len(got))
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Errorf("close: %v", err)
	}
	h.waitServed(1)
	if b.accepted.Load() != 1 {
		t.Errorf("backend accepted %d handshakes, want 1", b.accepted.Load())
	}
	lines := h.logLines()
	if len(lines) != 1 {
		t.Fatalf("access log: %d lines, want 1", len(lines))
	}
	l := lines[0]
	if l["status"] != float64(101) || l["api"] != "chat" {
		t.Errorf("access log: %v", l)
	}
	if in, out := l["bytes_in"].(float64), l["bytes_out"].(float64); in < 100<<10 || out < 100<<10 {
		t.Errorf("access log bytes in %v, out %v: want the tunnel's, over 100 KiB each", in, out)
	}
}

// TestWebSocketSigned: on a signed group the handshake is a call like any
// other. Unsigned, it is refused with the dialect's envelope and never
// reaches the backend; signed, it passes; and since a call that switched
// is settled as a success, AK's daily quota of 2 is spent by two
// handshakes and the third is refused, though both tunnels were closed.
func TestWebSocketSigned(t *testing.T) {
	h, b := newWSHarness(t, Config{})
	_, r, err := h.dial(hostWSSigned, "/chat", nil)
	if err == nil || r.StatusCode != http.StatusUnauthorized || r.code() != "APIGW_LACK_PARAMS" {
		t.Fatalf("unsigned handshake: err %v, status %d, body %s; want 401 APIGW_LACK_PARAMS", err, r.StatusCode, r.body)
	}
	if n := b.accepted.Load(); n != 0 {
		t.Fatalf("the backend accepted %d unsigned handshakes", n)
	}
	for i := range 2 {
		c, r, err := h.dial(hostWSSigned, "/chat", h.signedHeader(hostWSSigned, "/chat", "nonce-"+strconv.Itoa(i)))
		if err != nil {
			t.Fatalf("signed handshake %d: %v (status %d, %s)", i+1, err, r.StatusCode, r.body)
		}
		if got := echo(t, c, "signed"); got != "signed" {
			t.Fatalf("echo: got %q", got)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
	_, r, err = h.dial(hostWSSigned, "/chat", h.signedHeader(hostWSSigned, "/chat", "nonce-3"))
	if err == nil || r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third handshake over a daily quota of 2: err %v, status %d, body %s; want 429", err, r.StatusCode, r.body)
	}
	if n := b.accepted.Load(); n != 2 {
		t.Errorf("backend accepted %d handshakes, want 2", n)
	}
}

// TestWebSocketRateLimited: the handshake counts against the API's rate
// limit; one over it is refused with the dialect's envelope while the
// admitted tunnel stays open.
func TestWebSocketRateLimited(t *testing.T) {
	h, b := newWSHarness(t, Config{DefaultAPIQPS: 1})
	c, r, err := h.dial(hostWS, "/chat", nil)
	if err != nil {
		t.Fatalf("first handshake: %v (status %d, %s)", err, r.StatusCode, r.body)
	}
	defer c.CloseNow()
	_, r, err = h.dial(hostWS, "/chat", nil)
	if err == nil || r.StatusCode != http.StatusTooManyRequests || r.code() != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("second handshake in the same second: err %v, status %d, body %s; want 429 RATE_LIMIT_EXCEEDED", err, r.StatusCode, r.body)
	}
	if got := echo(t, c, "still here"); got != "still here" {
		t.Fatalf("echo on the admitted tunnel: %q", got)
	}
	if n := b.accepted.Load(); n != 1 {
		t.Errorf("backend accepted %d handshakes, want 1", n)
	}
}

// TestWebSocketIdleTimeout: a tunnel that carries messages outlives the
// idle timeout many times over; once silent, it is closed.
func TestWebSocketIdleTimeout(t *testing.T) {
	const idle = time.Second
	h, _ := newWSHarness(t, Config{WebSocketIdleTimeout: idle, WebSocketMaxDuration: time.Hour})
	c, r, err := h.dial(hostWS, "/chat", nil)
	if err != nil {
		t.Fatalf("dial: %v (status %d, %s)", err, r.StatusCode, r.body)
	}
	defer c.CloseNow()
	for end := time.Now().Add(3 * idle); time.Now().Before(end); time.Sleep(idle / 10) {
		if got := echo(t, c, "busy"); got != "busy" {
			t.Fatalf("echo: %q", got)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*idle)
	defer cancel()
	_, _, err = c.Read(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent tunnel: read returned %v; want it closed by the gateway", err)
	}
	h.waitServed(1)
}

// TestWebSocketMaxDuration: a busy tunnel is closed once it has been open
// for the maximum duration.
func TestWebSocketMaxDuration(t *testing.T) {
	h, _ := newWSHarness(t, Config{WebSocketIdleTimeout: time.Hour, WebSocketMaxDuration: 300 * time.Millisecond})
	c, r, err := h.dial(hostWS, "/chat", nil)
	if err != nil {
		t.Fatalf("dial: %v (status %d, %s)", err, r.StatusCode, r.body)
	}
	defer c.CloseNow()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := c.Write(ctx, websocket.MessageText, []byte("busy"))
		if err == nil {
			_, _, err = c.Read(ctx)
		}
		cancel()
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the busy tunnel is still open 30 s after a max duration of 300 ms")
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.waitServed(1)
}

// TestWebSocketCloseTunnels: CloseTunnels, which the server calls when it
// shuts down, closes an open tunnel.
func TestWebSocketCloseTunnels(t *testing.T) {
	b := newWSBackend(t)
	chat := api("chat", "GET", "/chat", model.MatchAbsolute, "")
	chat.WebSocket = true
	h := newHarness(t, Config{},
		published(group("g-ws", errcode.DialectJDCloud, errcode.English), model.EnvOnline, httpBackend(2000, b.URL), chat))
	gw := New(Config{Snapshots: h.holder})
	srv := httptest.NewServer(gw)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/chat", &websocket.DialOptions{Host: hostWS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if got := echo(t, c, "before"); got != "before" {
		t.Fatalf("echo: %q", got)
	}
	gw.(*Gateway).CloseTunnels()
	if _, _, err := c.Read(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after CloseTunnels: read returned %v; want the tunnel closed", err)
	}
}

// TestWebSocketOnPlainAPI: an API that is not a WebSocket API ignores
// the request to switch (RFC 9110, 7.8): Upgrade and Connection are
// dropped as hop-by-hop, the backend gets a plain GET and its plain
// answer reaches the client, which then fails its handshake.
func TestWebSocketOnPlainAPI(t *testing.T) {
	h, b := newWSHarness(t, Config{})
	_, r, err := h.dial(hostWS, "/plain", nil)
	if err == nil || r.StatusCode != http.StatusOK {
		t.Fatalf("handshake on a plain API: err %v, status %d; want the backend's plain 200", err, r.StatusCode)
	}
	var seen http.Header
	if err := json.Unmarshal(r.body, &seen); err != nil {
		t.Fatalf("backend answer %q: %v", r.body, err)
	}
	if seen.Get("Upgrade") != "" || seen.Get("Connection") != "" {
		t.Errorf("the backend saw Upgrade %q, Connection %q; want neither", seen.Get("Upgrade"), seen.Get("Connection"))
	}
	if b.accepted.Load() != 0 {
		t.Error("the backend accepted a WebSocket on a plain API")
	}
}

// TestWebSocketMarketNotWrapped: in the market dialect the 101 and the
// tunnel pass as they are, never wrapped in the success envelope.
func TestWebSocketMarketNotWrapped(t *testing.T) {
	h, _ := newWSHarness(t, Config{})
	c, r, err := h.dial(hostWSMarket, "/chat", nil)
	if err != nil {
		t.Fatalf("dial: %v (status %d, %s)", err, r.StatusCode, r.body)
	}
	defer c.CloseNow()
	if got := echo(t, c, "m"); got != "m" {
		t.Fatalf("echo: %q", got)
	}
}

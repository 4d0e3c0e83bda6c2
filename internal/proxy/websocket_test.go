package proxy

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TestUpgradeRefusesAnotherProtocol: a backend that answers a WebSocket
// handshake by switching to some other protocol gets no tunnel: the
// client is answered with an error, and the call is not settled as a
// switch (Tunnel.Switch is not called), so it is never charged.
func TestUpgradeRefusesAnotherProtocol(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
		brw.Flush()
	}))
	defer backend.Close()
	p := newPool(t, PoolConfig{URLs: []string{backend.URL}})
	type outcome struct {
		err      error
		switched bool
	}
	outcomes := make(chan outcome, 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsWebSocketUpgrade(r) {
			t.Errorf("IsWebSocketUpgrade: false for %v", r.Header)
		}
		switched := false
		res, err := p.Upgrade(w, r, Outbound{}, Tunnel{Switch: func() error { switched = true; return nil }})
		outcomes <- outcome{err, switched}
		if !res.Started {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer front.Close()
	req, _ := http.NewRequest("GET", front.URL+"/chat", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	o := <-outcomes
	if resp.StatusCode != http.StatusBadGateway || !errcode.Has(o.err, errcode.BadGateway) || o.switched {
		t.Errorf("status %d, error %v, switched %v; want 502, BadGateway, not switched", resp.StatusCode, o.err, o.switched)
	}
}

// TestIsWebSocketUpgrade: only an HTTP/1.1 GET that asks for websocket
// in both Connection and Upgrade is a handshake.
func TestIsWebSocketUpgrade(t *testing.T) {
	for _, tt := range []struct {
		method, conn, upgrade string
		major                 int
		want                  bool
	}{
		{"GET", "Upgrade", "websocket", 1, true},
		{"GET", "keep-alive, upgrade", "WebSocket", 1, true},
		{"POST", "Upgrade", "websocket", 1, false},
		{"GET", "", "websocket", 1, false},
		{"GET", "Upgrade", "h2c", 1, false},
		{"GET", "Upgrade", "websocket", 2, false},
	} {
		r := httptest.NewRequest(tt.method, "/", nil)
		r.ProtoMajor = tt.major
		r.Header.Set("Connection", tt.conn)
		r.Header.Set("Upgrade", tt.upgrade)
		if got := IsWebSocketUpgrade(r); got != tt.want {
			t.Errorf("%s Connection %q Upgrade %q HTTP/%d: got %v", tt.method, tt.conn, tt.upgrade, tt.major, got)
		}
	}
}

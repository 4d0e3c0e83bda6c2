package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
)

// framingBackend is a raw HTTP/1.1 backend that parses what reaches it
// with net/http's own request reader and counts every request it finds,
// answering each 200; a request whose body breaks off is not counted. A
// request smuggled past the gateway's framing shows
// up here as one more request than the client got answers for.
type framingBackend struct {
	ln    net.Listener
	mu    sync.Mutex
	paths []string
}

func newFramingBackend(t *testing.T) *framingBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &framingBackend{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go b.serve(c)
		}
	}()
	return b
}

func (b *framingBackend) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			// A body the gateway broke off (it met a malformed chunk
			// while streaming it): a request that never completed,
			// not one more request.
			return
		}
		b.mu.Lock()
		b.paths = append(b.paths, req.URL.Path)
		b.mu.Unlock()
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	}
}

func (b *framingBackend) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.paths
	b.paths = nil
	return p
}

// TestNoRequestSmuggling sends the classic desynchronisation attacks to
// the data plane on one connection each: a body whose framing is
// ambiguous (Content-Length beside Transfer-Encoding, two lengths, an
// unknown coding, obs-fold, bare LF, chunk extensions, chunk sizes that
// do not parse or overflow) followed by a second request hidden in it.
// Whatever the gateway makes of each, the backend must never see a
// request the client was not answered for: the gateway re-frames every
// call it forwards, so the backend's count of requests equals the
// client's count of proxied answers, and the hidden path never reaches
// the backend unless the gateway answered it as a request of its own.
func TestNoRequestSmuggling(t *testing.T) {
	backend := newFramingBackend(t)
	s := start(t, app.Config{})
	group := s.publish(map[string]any{"name": "smuggle"},
		map[string]any{"name": "all", "method": "ANY", "path": "/", "matchType": "prefix"}, "online",
		map[string]any{"type": "http", "urls": []string{"http://" + backend.ln.Addr().String()}})
	host := group + ".localhost"
	hidden := "GET /hidden HTTP/1.1\r\nHost: " + host + "\r\n\r\n"

	tests := []struct {
		name string
		raw  string
		// refused: the gateway must refuse the first request (4xx, or
		// net/http's 501 for a transfer coding it does not know).
		refused bool
	}{
		{"CL and TE", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden, false},
		{"TE and CL", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n" + hidden, false},
		{"two lengths", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 0\r\nContent-Length: 39\r\n\r\n" + hidden, true},
		{"unknown coding", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: xchunked\r\nContent-Length: 39\r\n\r\n" + hidden, true},
		{"chunked, identity", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + hidden, true},
		{"obs-fold", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 39\r\n\r\n" + hidden, true},
		{"bare LF", "POST /a HTTP/1.1\nHost: " + host + "\nContent-Length: 5\n\nhello" + hidden, false},
		{"chunk extension", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=\"0\r\n\r\n\"\r\nhello\r\n0\r\n\r\n" + hidden, false},
		{"bad chunk size", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + hidden + "\r\n0\r\n\r\n", true},
		{"chunk size overflow", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\n" + hidden + "\r\n0\r\n\r\n", true},
		{"negative length", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: -39\r\n\r\n" + hidden, true},
		{"signed length", "POST /a HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: +39\r\n\r\n" + hidden, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			statuses, paths := exchange(t, s.data, tt.raw, backend)
			proxied := 0
			for _, st := range statuses {
				if st == 200 {
					proxied++
				}
			}
			if len(paths) != proxied {
				t.Errorf("the backend saw %d requests %v, the client got %d proxied answers (statuses %v)", len(paths), paths, proxied, statuses)
			}
			if tt.refused && (len(statuses) == 0 || statuses[0] < 400 || statuses[0] >= 500 && statuses[0] != http.StatusNotImplemented) {
				t.Errorf("statuses %v, want the first request refused with a 4xx or 501", statuses)
			}
			for _, p := range paths {
				if p != "/a" && p != "/hidden" {
					t.Errorf("the backend saw path %q, want /a or /hidden", p)
				}
			}
			if tt.refused && len(paths) > 0 {
				t.Errorf("a refused request reached the backend: %v", paths)
			}
		})
	}
}

// exchange writes raw on a new connection to addr, reads every answer
// until the gateway closes the connection or stops answering, and returns
// their statuses and the paths the backend saw meanwhile.
func exchange(t *testing.T, addr, raw string, backend *framingBackend) ([]int, []string) {
	t.Helper()
	backend.take()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var statuses []int
	for {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
		if err != nil {
			break
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.Close || strings.EqualFold(resp.Header.Get("Connection"), "close") {
			break
		}
	}
	// The backend counts what it was sent before the gateway answered.
	return statuses, backend.take()
}

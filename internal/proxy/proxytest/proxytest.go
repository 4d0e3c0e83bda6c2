// Package proxytest provides real backends that misbehave in the ways a
// gateway must map to errors: one that echoes what it got, one that is
// slow, one that refuses connections, one that resets them and one that
// answers garbage. Each listens on the loopback interface and closes when
// the test ends.
package proxytest

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Echoed is what the echo backend answers with, as JSON.
type Echoed struct {
	Server     string      `json:"server"`
	Method     string      `json:"method"`
	RequestURI string      `json:"requestUri"`
	Host       string      `json:"host"`
	Header     http.Header `json:"header"`
	Body       string      `json:"body"`
}

// Echo starts a backend that answers every request with an Echoed
// describing it, named name. It also sets the hop-by-hop response headers
// Keep-Alive and X-Hop (listed in Connection) and the end-to-end header
// X-Backend, so that a test can see which ones a proxy strips.
func Echo(t testing.TB, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Connection", "X-Hop")
		h.Set("X-Hop", "secret")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("X-Backend", name)
		json.NewEncoder(w).Encode(Echoed{
			Server: name, Method: r.Method, RequestURI: r.RequestURI, Host: r.Host,
			Header: r.Header, Body: string(body),
		})
	}))
	t.Cleanup(s.Close)
	return s
}

// Slow starts a backend that sends its response headers only after delay,
// or when the request is cancelled, whichever comes first.
func Slow(t testing.TB, delay time.Duration) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "late")
	}))
	t.Cleanup(s.Close)
	return s
}

// RefusingURL returns the URL of a loopback port that was listened on and
// closed: connecting to it is refused.
func RefusingURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// RawServer runs handle on every connection accepted on a loopback port,
// after reading one request from it. It returns the server's URL and the
// count of connections accepted.
func RawServer(t testing.TB, handle func(c *net.TCPConn)) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				handle(c.(*net.TCPConn))
			}()
		}
	}()
	return "http://" + l.Addr().String(), &n
}

// Resetting starts a backend that reads each request and then resets the
// connection (SO_LINGER 0, so the close sends RST).
func Resetting(t testing.TB) string {
	u, _ := RawServer(t, func(c *net.TCPConn) {
		c.SetLinger(0)
		c.Close()
	})
	return u
}

// Garbage starts a backend that answers each request with bytes that are
// not HTTP.
func Garbage(t testing.TB) string {
	u, _ := RawServer(t, func(c *net.TCPConn) {
		io.WriteString(c, "this is not http\r\n\r\n")
	})
	return u
}

// Conversation starts a backend that reads requests one after another on
// each connection it accepts, with their bodies, and writes for each the
// raw bytes respond returns: a whole response, or several (interim ones
// first), or anything else a misbehaving backend might send. respond gets
// the number of the request on its connection (from 1). After writing,
// the connection is closed when respond says so, and otherwise waits for
// the next request. It returns the server's URL and the count of
// connections accepted.
func Conversation(t testing.TB, respond func(n int, req *http.Request, body []byte) (raw string, closeAfter bool)) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var conns atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 1; ; n++ {
					c.SetDeadline(time.Now().Add(10 * time.Second))
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					body, err := io.ReadAll(req.Body)
					if err != nil {
						return
					}
					raw, closeAfter := respond(n, req, body)
					if _, err := io.WriteString(c, raw); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return "http://" + l.Addr().String(), &conns
}

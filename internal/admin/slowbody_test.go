package admin

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestUnauthenticatedAnswersBeforeTheBody: a caller without the token, or
// with a wrong one, is refused at once, before its body is read: it gets
// its 401 while most of the body is still unsent, and the connection is
// closed, so that a caller cannot hold the admin listener by dribbling a
// body it may not send. Both framings, a declared length and chunks.
func TestUnauthenticatedAnswersBeforeTheBody(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ name, head string }{
		{"no token, length", "Content-Length: 200000\r\n"},
		{"no token, chunked", "Transfer-Encoding: chunked\r\n\r\n100"},
		{"wrong token, length", "Authorization: Bearer wrong\r\nContent-Length: 200000\r\n"},
		{"wrong token, chunked", "Authorization: Bearer wrong\r\nTransfer-Encoding: chunked\r\n\r\n100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// A bound on a hang, not a measure of speed.
			c.SetReadDeadline(time.Now().Add(15 * time.Second))
			head := "POST /v1/groups HTTP/1.1\r\nHost: admin\r\nContent-Type: application/json\r\n" + tc.head
			if tc.head[len(tc.head)-1] == '\n' {
				head += "\r\n"
			}
			if _, err := io.WriteString(c, head+"\r\n{\"name\":"); err != nil {
				t.Fatal(err)
			}
			// Nothing more is sent: the answer must not wait for it.
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer while the body is unsent: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 || !resp.Close {
				t.Errorf("status %d, close %v; want 401 and the connection closed", resp.StatusCode, resp.Close)
			}
		})
	}
}

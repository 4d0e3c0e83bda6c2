package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
)

// TestSlowBodyEndToEnd: through the whole server, a client that sends its
// body a byte at a time past --body-timeout is answered 400, its
// connection is closed, and /metrics counts the cut.
func TestSlowBodyEndToEnd(t *testing.T) {
	s := start(t, app.Config{BodyTimeout: time.Second})
	backend := newReadingBackend(t)
	g := s.publish(
		map[string]any{"name": "upload"},
		map[string]any{"name": "up", "method": "POST", "path": "/up"},
		"online",
		map[string]any{"type": "http", "urls": []string{backend}},
	)
	c, err := net.Dial("tcp", s.data)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(15 * time.Second)) // a bound on a hang
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: "+g+".localhost\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte a second, at most 30
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for range 30 {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(c, "x"); err != nil {
				return
			}
		}
	}()
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 400 || !resp.Close {
		t.Errorf("slow body: status %d, close %v; want 400 and the connection closed", resp.StatusCode, resp.Close)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("the connection stayed open")
	}
	// The answer leaves on a lingering close before the call's accounting
	// has run: the count follows within moments, not necessarily first.
	var r response
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r = s.do(mustRequest(t, "GET", s.admin+"/metrics", nil))
		if strings.Contains(string(r.body), `tollgate_request_bodies_cut_total{reason="timeout"} 1`) {
			break
		}
	}
	if !strings.Contains(string(r.body), `tollgate_request_bodies_cut_total{reason="timeout"} 1`) {
		t.Errorf("metrics do not count the cut:\n%s", grepLines(string(r.body), "bodies_cut"))
	}
}

// newReadingBackend starts a backend that reads the whole request body
// before it answers.
func newReadingBackend(t *testing.T) string {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func mustRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

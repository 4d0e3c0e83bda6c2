package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// failAfter bounds how long a test waits for an answer that must come: a
// hang fails the test instead of blocking it. It is a bound, not a
// measure: nothing asserts how fast the answer came.
const failAfter = 15 * time.Second

// rawConn opens a TCP connection to the harness's gateway, closed with the
// test.
func (h *harness) rawConn() net.Conn {
	h.t.Helper()
	c, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(failAfter))
	return c
}

// dribble writes a chunked body of one byte per chunk on c, one chunk
// every interval, until stop is closed, a write fails, or 200 chunks went:
// a client far slower than any rate the gateway should wait for. It stops
// by itself.
func dribble(c net.Conn, interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for range 200 {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if _, err := io.WriteString(c, "1\r\nx\r\n"); err != nil {
			return
		}
	}
}

// readAnswer reads one response from c, its body whole, and reports
// whether the gateway then closed the connection.
func readAnswer(t *testing.T, c net.Conn) (response, bool) {
	t.Helper()
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("answer's body: %v", err)
	}
	// The end of the stream, or a reset (the gateway closed with the
	// rest of the body unread), but not a byte or a timeout.
	_, err = br.ReadByte()
	return response{resp, b}, err != nil && !isTimeout(err)
}

// gauge returns the value of the gauge name.
func (h *harness) gauge(name string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	h.t.Fatalf("no gauge %s", name)
	return 0
}

// TestSlowBodyIsCut: a client that dribbles its body (a few bytes a
// second, chunked, so that the backend is already reading it) is cut once
// the average rate falls below MinBodyRate after the grace period, or at
// BodyTimeout: it is answered 400 in the dialect, its connection closed,
// and the cut is counted by reason. While it dribbles it holds an
// in-flight slot (here the only one: another call is shed), and the slot
// is free again after the cut.
func TestSlowBodyIsCut(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cfg    Config
		reason string
	}{
		// Long enough for the shed call to be made while the slow one is
		// still in flight, even on a loaded machine.
		{"too slow", Config{MaxInFlight: 1, MinBodyRate: 1024, BodyRateGrace: 2 * time.Second}, "too_slow"},
		{"timeout", Config{MaxInFlight: 1, BodyTimeout: 2 * time.Second}, "timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entered := make(chan struct{}, 1)
			backend := backendFunc(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/up" {
					entered <- struct{}{}
					io.Copy(io.Discard, r.Body)
				}
			})
			h := newHarness(t, tt.cfg, published(jd, model.EnvOnline, httpBackend(10000, backend),
				api("any", "ANY", "/", model.MatchPrefix, "")))
			c := h.rawConn()
			io.WriteString(c, "POST /up HTTP/1.1\r\nHost: g-abc123.localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
			stop := make(chan struct{})
			defer close(stop)
			go dribble(c, 100*time.Millisecond, stop)
			select {
			case <-entered:
			case <-time.After(failAfter):
				t.Fatal("the call never reached the backend")
			}
			if r := h.get("g-abc123.localhost", "/other"); r.StatusCode != 503 {
				t.Errorf("while a slow body is in flight: status %d %s, want 503 busy", r.StatusCode, r.body)
			}

			r, closed := readAnswer(t, c)
			if r.StatusCode != 400 || r.envelope(t).Error.Status != "OUT_OF_RANGE" {
				t.Errorf("slow body: %d %s, want 400 OUT_OF_RANGE", r.StatusCode, r.body)
			}
			if !closed || !r.Close {
				t.Errorf("slow body: connection left open (closed %v, Connection: close %v)", closed, r.Close)
			}
			h.waitServed(2)
			if got := h.counter("tollgate_request_bodies_cut_total", map[string]string{"reason": tt.reason}); got != 1 {
				t.Errorf("bodies_cut_total{reason=%s} = %v, want 1", tt.reason, got)
			}
			if got := h.gauge("tollgate_inflight_requests"); got != 0 {
				t.Errorf("in flight after the cut: %v, want 0", got)
			}
			if r := h.get("g-abc123.localhost", "/other"); r.StatusCode != 200 {
				t.Errorf("after the cut: status %d %s, want 200", r.StatusCode, r.body)
			}
		})
	}
}

// TestSlowBodyOfRefusedCallIsCut: a call refused before its body is read
// (no API matches) leaves the body to net/http, which reads it to keep the
// connection; a dribbling client must not hold that read open: it gets
// its answer, and the connection is closed, within the body's deadline.
func TestSlowBodyOfRefusedCallIsCut(t *testing.T) {
	h := newHarness(t, Config{MinBodyRate: 1024, BodyRateGrace: 300 * time.Millisecond},
		published(jd, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{}`},
			api("x", "GET", "/x", model.MatchAbsolute, "")))
	for _, host := range []string{"g-abc123.localhost", "nobody.localhost"} {
		c := h.rawConn()
		io.WriteString(c, "POST /nothing HTTP/1.1\r\nHost: "+host+"\r\nTransfer-Encoding: chunked\r\n\r\n")
		stop := make(chan struct{})
		go dribble(c, 100*time.Millisecond, stop)
		r, closed := readAnswer(t, c)
		close(stop)
		if r.StatusCode != 404 {
			t.Errorf("%s: status %d %s, want 404", host, r.StatusCode, r.body)
		}
		if !closed {
			t.Errorf("%s: connection left open after the body's deadline", host)
		}
	}
}

// TestMalformedChunkedBody: a chunked body that breaks its framing is
// answered 400 INVALID_ARGUMENT in the group's dialect, not passed off as
// a whole body (it was 200 with an empty answer): while streaming to the
// backend, and while read whole to check a signature.
func TestMalformedChunkedBody(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	var pubs []model.Published
	codes := map[string]string{}
	for _, d := range []struct {
		dialect errcode.Dialect
		code    string
	}{
		{errcode.DialectJDCloud, "INVALID_ARGUMENT"},
		{errcode.DialectMarket, "12001"},
		{errcode.DialectZenith, "1103"},
		{errcode.DialectTencent, "4000"},
	} {
		gid := "g-" + string(d.dialect)
		codes[gid] = d.code
		pubs = append(pubs, published(group(gid, d.dialect, errcode.English), model.EnvOnline,
			httpBackend(5000, backend.URL), api("any", "ANY", "/", model.MatchPrefix, "")))
	}
	signed := group("g-signed", errcode.DialectJDCloud, errcode.English)
	signed.AuthType, signed.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
	codes["g-signed"] = "INVALID_ARGUMENT"
	pubs = append(pubs, published(signed, model.EnvOnline, httpBackend(5000, backend.URL),
		api("any", "ANY", "/", model.MatchPrefix, "")))
	h := newHarness(t, Config{}, pubs...)

	bodies := map[string]string{
		"bad size":     "zz\r\nhello\r\n0\r\n\r\n",
		"no CRLF":      "5\r\nhelloXX0\r\n\r\n",
		"size overrun": "2\r\nhello\r\n0\r\n\r\n",
	}
	for gid, code := range codes {
		for name, body := range bodies {
			c := h.rawConn()
			fmt.Fprintf(c, "POST /x HTTP/1.1\r\nHost: %s.localhost\r\nTransfer-Encoding: chunked\r\n\r\n%s", gid, body)
			r, _ := readAnswer(t, c)
			if r.StatusCode != 400 || r.code() != code {
				t.Errorf("%s, %s: %d %s, want 400 %s", gid, name, r.StatusCode, r.body, code)
			}
		}
	}
	h.waitServed(len(codes) * len(bodies))
	if got := h.counter("tollgate_request_bodies_cut_total", map[string]string{"reason": "malformed"}); got != float64(len(codes)*len(bodies)) {
		t.Errorf("bodies_cut_total{reason=malformed} = %v, want %d", got, len(codes)*len(bodies))
	}
	if got := h.counter("tollgate_upstream_errors_total", nil); got != 0 {
		t.Errorf("upstream errors = %v, want 0: the client's body was at fault", got)
	}
}

// TestWholeBodyInTimeIsNotCut: a body that comes whole within the limits,
// in pieces, passes untouched, and the connection is kept for the next
// call (the body's deadline is cleared at its end).
func TestWholeBodyInTimeIsNotCut(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	h := newHarness(t, Config{BodyTimeout: time.Minute, MinBodyRate: 1, BodyRateGrace: time.Minute},
		published(jd, model.EnvOnline, httpBackend(5000, backend.URL), api("any", "ANY", "/", model.MatchPrefix, "")))
	c := h.rawConn()
	for i := range 3 {
		fmt.Fprintf(c, "POST /x HTTP/1.1\r\nHost: g-abc123.localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
		fmt.Fprintf(c, "3\r\ndef\r\n0\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"body":"abcdef"`) {
			t.Fatalf("call %d: %d %s", i+1, resp.StatusCode, b)
		}
		if br.Buffered() != 0 {
			t.Fatalf("call %d: stray bytes after the answer", i+1)
		}
	}
	if got := h.counter("tollgate_request_bodies_cut_total", nil); got != 0 {
		t.Errorf("bodies_cut_total = %v, want 0", got)
	}
}

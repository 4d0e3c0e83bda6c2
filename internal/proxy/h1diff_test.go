package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

// readBoth reads raw as a backend's answer to a request of method, once
// with H1Transport (over a pipe, the bytes split at split) and once with
// net/http's http.ReadResponse, and returns each side's response and body,
// or its error.
func readBoth(t *testing.T, raw string, split int, method string) (ours, std *http.Response, oursBody, stdBody []byte, oursErr, stdErr error) {
	t.Helper()
	tr := pipeTransport(raw, split, 64<<10)
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, "http://fuzz.invalid/", nil)
	ours, oursErr = tr.roundTrip(req, "fuzz.invalid:80", time.Second)
	if oursErr == nil {
		oursBody, oursErr = io.ReadAll(ours.Body)
		ours.Body.Close()
	}
	// http.Transport reads past informational answers (1xx but 101), at
	// most 5 of them, as H1Transport does.
	br := bufio.NewReader(bytes.NewReader([]byte(raw)))
	for n := 0; ; n++ {
		std, stdErr = http.ReadResponse(br, req)
		if stdErr != nil || std.StatusCode < 100 || std.StatusCode > 199 || std.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		if n == 5 {
			stdErr = errors.New("too many 1xx answers")
			break
		}
	}
	if stdErr == nil {
		stdBody, stdErr = io.ReadAll(std.Body)
		std.Body.Close()
	}
	return
}

// FuzzH1ResponseAgrees holds H1Transport's reading of a backend's answer
// to net/http's (http.ReadResponse, the parser of http.Transport): for the
// same bytes, when both read a whole answer, they read the same status,
// the same framing (Content-Length, Transfer-Encoding) and the same body
// bytes; and H1Transport never reads a whole answer from bytes that
// net/http refuses, since a proxy that frames an answer differently from
// the clients behind it is how responses get smuggled. H1Transport may be
// stricter: it refuses some answers net/http takes (a 1xx other than 100
// or 103 ahead of the answer, a 101 it did not ask for); those are listed
// in stricterThanStd.
func FuzzH1ResponseAgrees(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: v\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nclose delimited",
		"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
	} {
		f.Add(seed, 7, false)
		f.Add(seed, 0, true)
	}
	f.Fuzz(func(t *testing.T, raw string, split int, head bool) {
		if len(raw) > 4<<10 {
			return
		}
		if split < 0 {
			split = -split
		}
		split %= len(raw) + 1
		method := "GET"
		if head {
			method = "HEAD"
		}
		ours, std, oursBody, stdBody, oursErr, stdErr := readBoth(t, raw, split, method)
		switch {
		case oursErr != nil:
			return // stricter, or both refuse: never a smuggling risk
		case stdErr != nil:
			if ours.StatusCode == http.StatusSwitchingProtocols {
				return // a tunnel: the bytes after the head are not a body
			}
			t.Fatalf("H1Transport read %d with %d body bytes %q from an answer net/http refuses (%v):\n%q",
				ours.StatusCode, len(oursBody), oursBody, stdErr, raw)
		}
		if ours.StatusCode != std.StatusCode {
			t.Fatalf("status: H1Transport %d, net/http %d\n%q", ours.StatusCode, std.StatusCode, raw)
		}
		if !bytes.Equal(oursBody, stdBody) {
			t.Fatalf("body: H1Transport %q, net/http %q\n%q", oursBody, stdBody, raw)
		}
		if ours.ContentLength >= 0 && std.ContentLength >= 0 && ours.ContentLength != std.ContentLength {
			t.Fatalf("Content-Length: H1Transport %d, net/http %d\n%q", ours.ContentLength, std.ContentLength, raw)
		}
	})
}

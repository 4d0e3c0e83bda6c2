package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// FuzzH1Response gives H1Transport any bytes as a backend's answer, split
// in two writes, and reads the body to its end: it must not panic, hang or
// hand back a connection with unread bytes.
func FuzzH1Response(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: v\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nclose delimited",
		"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
	} {
		f.Add(seed, 10, false)
		f.Add(seed, 30, true)
	}
	f.Fuzz(func(t *testing.T, raw string, split int, head bool) {
		if split < 0 {
			split = -split
		}
		split %= len(raw) + 1
		tr := pipeTransport(raw, split, 1<<10)
		defer tr.CloseIdleConnections()
		method := "GET"
		if head {
			method = "HEAD"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, "http://fuzz.invalid/", nil)
		resp, err := tr.roundTrip(req, "fuzz.invalid:80", time.Second)
		if err != nil {
			return
		}
		if resp.StatusCode < 200 || resp.StatusCode > 999 || resp.Header == nil {
			t.Fatalf("response %d %v", resp.StatusCode, resp.Header)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		tr.mu.RLock()
		h := tr.hosts["fuzz.invalid:80"]
		tr.mu.RUnlock()
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.idle {
			if c.br.Buffered() != 0 {
				t.Fatalf("pooled a connection with %d unread bytes", c.br.Buffered())
			}
		}
	})
}

// pipeTransport returns an H1Transport whose every connection is a pipe to
// a backend that reads one request and answers raw, written in two parts
// split at split, as fuzz targets feed it.
func pipeTransport(raw string, split, maxHead int) *H1Transport {
	return &H1Transport{
		MaxResponseHeaderBytes: maxHead,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			client, server := net.Pipe()
			go func() {
				defer server.Close()
				server.SetDeadline(time.Now().Add(2 * time.Second))
				if _, err := http.ReadRequest(bufio.NewReader(server)); err != nil {
					return
				}
				io.WriteString(server, raw[:split])
				io.WriteString(server, raw[split:])
			}()
			return client, nil
		},
	}
}

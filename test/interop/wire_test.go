package interop

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// wire is a loopback proxy between the clients and Tollgate. Every client
// connects to it (the Host it signs names the group and the wire's port;
// Tollgate routes by the name). It forwards each request's bytes as they
// came, or with one byte changed when told to, records what it forwarded
// and what came back, and can send a recorded request again: the tampered
// and replayed requests are the very bytes an SDK produced, whatever SDK.
type wire struct {
	ln     net.Listener
	port   string
	target string

	mu        sync.Mutex
	tamper    string // "" or one of the tamper* names
	exchanges []exchange
}

// exchange is one request forwarded and its answer.
type exchange struct {
	raw       []byte // the bytes sent to Tollgate
	status    int
	body      []byte
	tamperErr error // the tamper asked for could not be made
}

// What a wire can change in a request: one byte each (a path of "/" gains
// one instead).
const (
	tamperSignature = "signature"
	tamperDate      = "date"
	tamperPath      = "path"
	tamperQuery     = "query"
	tamperBody      = "body"
)

// tamperMark is the value each case's tamperable query parameter and body
// field carry; tampering the query or body changes its last letter.
const tamperMark = "tamper-me"

func startWire(t *testing.T, target string) *wire {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	w := &wire{ln: ln, port: port, target: target}
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); w.serve(c) }()
		}
	}()
	return w
}

// reset forgets the exchanges and sets the tamper for what follows.
func (w *wire) reset(tamper string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tamper = tamper
	w.exchanges = nil
}

// recorded returns the exchanges since the last reset.
func (w *wire) recorded() []exchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]exchange(nil), w.exchanges...)
}

// serve proxies one request of c and closes it (the answer says so, and
// every client reconnects).
func (w *wire) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(c, &raw))
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return
	}
	// Every client waits for the answer before it sends more, so what
	// was read is this one request.
	sent := raw.Bytes()[:raw.Len()-br.Buffered()]

	w.mu.Lock()
	tamper := w.tamper
	w.mu.Unlock()
	var ex exchange
	if tamper != "" {
		sent, ex.tamperErr = tamperBytes(sent, tamper)
	}
	ex.raw = bytes.Clone(sent)
	resp, body, err := w.send(sent)
	if err != nil {
		ex.status, ex.body = 0, []byte(err.Error())
	} else {
		ex.status, ex.body = resp.StatusCode, body
	}
	w.mu.Lock()
	w.exchanges = append(w.exchanges, ex)
	w.mu.Unlock()
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		return
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.TransferEncoding = nil
	resp.Close = true
	resp.Write(c)
}

// send writes raw to Tollgate on a new connection and reads the answer.
func (w *wire) send(raw []byte) (*http.Response, []byte, error) {
	c, err := net.DialTimeout("tcp", w.target, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(raw); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// replay sends ex's bytes again, as an eavesdropper would.
func (w *wire) replay(ex exchange) exchange {
	resp, body, err := w.send(ex.raw)
	if err != nil {
		return exchange{raw: ex.raw, body: []byte(err.Error())}
	}
	return exchange{raw: ex.raw, status: resp.StatusCode, body: body}
}

// tamperBytes changes one byte of the raw request: of the signature (in
// the Authorization header, the query or a form body), of the signing
// time (its last digit, so that the day, and so the credential scope,
// stays the same), of the path, of the query or of the body.
func tamperBytes(raw []byte, what string) ([]byte, error) {
	out := bytes.Clone(raw)
	headEnd := bytes.Index(out, []byte("\r\n\r\n"))
	if headEnd < 0 {
		return raw, fmt.Errorf("no end of head")
	}
	head, body := out[:headEnd], out[headEnd+4:]
	lineEnd := bytes.Index(head, []byte("\r\n"))
	target := head[:lineEnd] // METHOD SP request-target SP version
	sp1 := bytes.IndexByte(target, ' ')
	sp2 := bytes.LastIndexByte(target, ' ')
	uri := target[sp1+1 : sp2]
	path, query, _ := bytes.Cut(uri, []byte("?"))
	switch what {
	case tamperSignature:
		for _, part := range [][]byte{head, body} {
			if i := bytes.Index(part, []byte("Signature=")); i >= 0 {
				for j := i + len("Signature="); j < len(part); j++ {
					if isAlnum(part[j]) {
						part[j] = flipAlnum(part[j])
						return out, nil
					}
				}
			}
		}
		return raw, fmt.Errorf("no Signature= in the request")
	case tamperDate:
		lower := bytes.ToLower(out)
		for _, mark := range []string{"\r\nx-jdcloud-date: ", "\r\nx-amz-date: ", "\r\nx-tc-timestamp: ", "x-amz-date=", "timestamp="} {
			i := bytes.Index(lower, []byte(mark))
			if i < 0 {
				continue
			}
			j := i + len(mark)
			last := -1
			for ; j < len(out) && (isDigit(out[j]) || out[j] == 'T' || out[j] == 'Z'); j++ {
				if isDigit(out[j]) {
					last = j
				}
			}
			if last >= 0 {
				out[last] ^= 1 // 0↔1, …, 8↔9: never across a day
				return out, nil
			}
		}
		return raw, fmt.Errorf("no signing time in the request")
	case tamperPath:
		for i := len(path) - 1; i >= 0; i-- {
			if c := path[i]; (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
				path[i] ^= 0x20
				return out, nil
			}
		}
		// "/" has no letter to change: it gains one.
		at := sp1 + 1 + len(path)
		return append(out[:at:at], append([]byte("x"), out[at:]...)...), nil
	case tamperQuery:
		if i := bytes.Index(query, []byte(tamperMark)); i >= 0 {
			query[i+len(tamperMark)-1] ^= 0x20
			return out, nil
		}
		return raw, fmt.Errorf("no %s in the query %q", tamperMark, query)
	case tamperBody:
		if i := bytes.Index(body, []byte(tamperMark)); i >= 0 {
			body[i+len(tamperMark)-1] ^= 0x20
			return out, nil
		}
		return raw, fmt.Errorf("no %s in the body %q", tamperMark, body)
	}
	return raw, fmt.Errorf("unknown tamper %q", what)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// flipAlnum replaces c with another character that is valid in both hex
// and base64, so that the signature stays well-formed and only wrong.
func flipAlnum(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// Command h1client is engine (d) of the HTTP engine comparison, an addition
// to the three the issue asked for: a net/http server (so the client's
// context, HTTP/2 and streaming stay) with a hand-written HTTP/1.1 upstream
// client that works on the handler's own goroutine. http.Transport hands
// every request to a writeLoop and a readLoop goroutine and back; this client
// writes the request and reads the response itself on a pooled keep-alive
// connection, and closes that connection when the client's context ends.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/bench/engines/internal/pprofsrv"
)

// hopHeaders are the RFC 9110 §7.6.1 connection-specific header fields, in
// canonical form, plus the framing fields this client writes itself.
var hopHeaders = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Content-Length":      true,
	"Host":                true,
}

// named reports whether the Connection header values conn list field k.
func named(conn []string, k string) bool {
	for _, v := range conn {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(f), k) {
				return true
			}
		}
	}
	return false
}

// upConn is one keep-alive connection to the backend.
type upConn struct {
	c      net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	reused bool
}

// pool keeps idle backend connections; it never blocks.
type pool struct {
	addr string
	idle chan *upConn
	d    net.Dialer
}

func (p *pool) get(ctx context.Context) (*upConn, error) {
	select {
	case uc := <-p.idle:
		uc.reused = true
		return uc, nil
	default:
	}
	c, err := p.d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	return &upConn{c: c, br: bufio.NewReaderSize(c, 4<<10), bw: bufio.NewWriterSize(c, 4<<10)}, nil
}

func (p *pool) put(uc *upConn) {
	select {
	case p.idle <- uc:
	default:
		uc.c.Close()
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

var errRetry = errors.New("stale pooled connection")

// forwarder sends every request to one backend.
type forwarder struct {
	host string
	p    *pool
}

func newForwarder(backend *url.URL) *forwarder {
	return &forwarder{host: backend.Host, p: &pool{addr: backend.Host, idle: make(chan *upConn, 512)}}
}

func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	for attempt := 0; ; attempt++ {
		uc, err := f.p.get(ctx)
		if err != nil {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		err = f.exchange(ctx, w, r, uc)
		if err == errRetry && attempt == 0 {
			continue
		}
		switch err {
		case nil:
		case errResponded:
			panic(http.ErrAbortHandler) // cut the client's response short, as ReverseProxy does
		default:
			http.Error(w, "bad gateway", http.StatusBadGateway)
		}
		return
	}
}

var (
	errResponded = errors.New("failed after the response started")
	errBody      = errors.New("reading the client's body failed")
)

// aLongTimeAgo is a deadline in the past: setting it unblocks any I/O.
var aLongTimeAgo = time.Unix(1, 0)

// exchange sends r on uc and copies the response to w. It returns errRetry
// when a reused connection failed before any byte of a response arrived and
// the request can be sent again.
func (f *forwarder) exchange(ctx context.Context, w http.ResponseWriter, r *http.Request, uc *upConn) error {
	stop := context.AfterFunc(ctx, func() { uc.c.SetDeadline(aLongTimeAgo) })
	ok := false
	defer func() {
		if stop() && ok {
			f.p.put(uc)
		} else {
			uc.c.Close()
		}
	}()
	if err := f.writeRequest(uc.bw, r); err != nil {
		if err != errBody && uc.reused && r.ContentLength == 0 && ctx.Err() == nil {
			return errRetry
		}
		return err
	}
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(uc.br, r)
		if err != nil {
			if uc.reused && r.ContentLength == 0 && ctx.Err() == nil && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) {
				return errRetry
			}
			return err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		resp.Body.Close() // 1xx interim response: read on
	}
	conn := resp.Header["Connection"]
	h := w.Header()
	for k, vv := range resp.Header {
		if (hopHeaders[k] && k != "Content-Length") || (len(conn) > 0 && named(conn, k)) {
			continue
		}
		h[k] = vv
	}
	w.WriteHeader(resp.StatusCode)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	flush := resp.ContentLength < 0
	rc := http.NewResponseController(w)
	for {
		n, rerr := resp.Body.Read(*bp)
		if n > 0 {
			if _, werr := w.Write((*bp)[:n]); werr != nil {
				return errResponded
			}
			if flush && rc.Flush() != nil {
				return errResponded
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return errResponded
		}
	}
	ok = !resp.Close && !r.Close
	return nil
}

// writeRequest writes r's head, and its body if it has one, to bw.
func (f *forwarder) writeRequest(bw *bufio.Writer, r *http.Request) error {
	uri := r.RequestURI
	if uri == "" || uri[0] != '/' {
		uri = r.URL.RequestURI()
	}
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	bw.WriteString(uri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(f.host)
	bw.WriteString("\r\n")
	conn := r.Header["Connection"]
	for k, vv := range r.Header {
		if hopHeaders[k] || (len(conn) > 0 && named(conn, k)) {
			continue
		}
		for _, v := range vv {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	switch {
	case r.ContentLength > 0:
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(r.ContentLength, 10))
		bw.WriteString("\r\n\r\n")
		if _, err := io.Copy(bw, r.Body); err != nil {
			return errBody
		}
	case r.ContentLength < 0:
		bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		cw := httputil.NewChunkedWriter(bw)
		if _, err := io.Copy(cw, r.Body); err != nil {
			return errBody
		}
		cw.Close()
		bw.WriteString("\r\n")
	default:
		bw.WriteString("\r\n")
	}
	return bw.Flush()
}

func main() {
	listen := flag.String("listen", "127.0.0.1:18084", "address to serve on")
	backend := flag.String("backend", "http://127.0.0.1:18080", "backend base URL")
	gogc := flag.Int("gogc", 0, "if > 0, debug.SetGCPercent(gogc)")
	pprofAddr := flag.String("pprof", "", "if set, serve net/http/pprof on this address")
	flag.Parse()
	pprofsrv.Start(*pprofAddr)
	if *gogc > 0 {
		debug.SetGCPercent(*gogc)
	}
	target, err := url.Parse(*backend)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Addr:              *listen,
		Handler:           newForwarder(target),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Fatal(srv.ListenAndServe())
}

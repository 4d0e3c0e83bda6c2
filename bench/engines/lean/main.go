// Command lean is engine (b) of the HTTP engine comparison: a net/http
// server with a hand-written forwarder on http.Transport.RoundTrip. It copies
// headers minus the hop-by-hop ones and streams the body through a pooled
// buffer, keeping the client's context so a departing client cancels the
// upstream call.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/bench/engines/internal/pprofsrv"
)

// hopHeaders are the RFC 9110 §7.6.1 connection-specific header fields,
// in canonical form.
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
}

// copyHeader copies src into dst without the hop-by-hop fields and without
// the fields that src's Connection header names. Value slices are shared,
// not copied: neither side modifies them afterwards.
func copyHeader(dst, src http.Header) {
	conn := src["Connection"]
	for k, vv := range src {
		if hopHeaders[k] || (len(conn) > 0 && named(conn, k)) {
			continue
		}
		dst[k] = vv
	}
}

// named reports whether the Connection header values conn list field k.
// It does not allocate: the common "keep-alive" and "close" values are
// scanned in place.
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

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// forwarder sends every request to one backend.
type forwarder struct {
	scheme, host string
	tr           http.RoundTripper
}

// newForwarder returns a forwarder to backend with the tuned Transport.
func newForwarder(backend *url.URL) *forwarder {
	return &forwarder{
		scheme: backend.Scheme,
		host:   backend.Host,
		tr: &http.Transport{
			MaxIdleConns:        512,
			MaxIdleConnsPerHost: 512,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := r.WithContext(r.Context()) // shallow copy that keeps the client's context
	out.URL = &url.URL{Scheme: f.scheme, Host: f.host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	out.Host = f.host
	out.RequestURI = ""
	out.Close = false
	out.Header = make(http.Header, len(r.Header))
	copyHeader(out.Header, r.Header)
	if r.ContentLength == 0 {
		out.Body = nil // lets the Transport retry idempotent requests on a stale connection
	}
	resp, err := f.tr.RoundTrip(out)
	if err != nil {
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	copyHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	if resp.ContentLength >= 0 {
		// Known length: let the server's buffered writer batch it.
		_, _ = io.CopyBuffer(writerOnly{w}, resp.Body, *bp)
		return
	}
	// Unknown length (streamed, server-sent events): pass each read on at once.
	rc := http.NewResponseController(w)
	for {
		n, rerr := resp.Body.Read(*bp)
		if n > 0 {
			if _, werr := w.Write((*bp)[:n]); werr != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		if rerr != nil {
			return
		}
	}
}

// writerOnly hides the ResponseWriter's ReadFrom so CopyBuffer uses our buffer.
type writerOnly struct{ io.Writer }

func main() {
	listen := flag.String("listen", "127.0.0.1:18082", "address to serve on")
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
	f := newForwarder(target)
	srv := &http.Server{
		Addr:              *listen,
		Handler:           f,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Fatal(srv.ListenAndServe())
}

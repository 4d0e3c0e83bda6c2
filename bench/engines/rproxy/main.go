// Command rproxy is engine (a) of the HTTP engine comparison: a net/http
// server in front of httputil.ReverseProxy with a tuned Transport and a
// pooled copy buffer. It proxies every request to one backend.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/bench/engines/internal/pprofsrv"
)

// bufferPool hands ReverseProxy 32 KiB copy buffers from a sync.Pool.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v := b.p.Get(); v != nil {
		return *v.(*[]byte)
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "address to serve on")
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
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	rp := &httputil.ReverseProxy{
		Rewrite:    func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport:  tr,
		BufferPool: &bufferPool{},
	}
	srv := &http.Server{
		Addr:              *listen,
		Handler:           rp,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Fatal(srv.ListenAndServe())
}

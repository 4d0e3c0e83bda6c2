// Command fast is engine (c) of the HTTP engine comparison: a
// github.com/valyala/fasthttp server forwarding through fasthttp.HostClient.
package main

import (
	"flag"
	"log"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tollgate-gw/tollgate/bench/engines/internal/pprofsrv"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18083", "address to serve on")
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
	handler := newHandler(target.Host)
	srv := &fasthttp.Server{
		Handler:               handler,
		ReadTimeout:           120 * time.Second,
		NoDefaultServerHeader: true,
	}
	log.Fatal(srv.ListenAndServe(*listen))
}

// newHandler returns a handler that forwards every request to the backend at
// addr (host:port) through one fasthttp.HostClient.
func newHandler(addr string) fasthttp.RequestHandler {
	hc := &fasthttp.HostClient{
		Addr:                          addr,
		MaxConns:                      512,
		MaxIdleConnDuration:           90 * time.Second,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		NoDefaultUserAgentHeader:      true,
	}
	return func(ctx *fasthttp.RequestCtx) {
		req := &ctx.Request
		resp := &ctx.Response
		// Hop-by-hop fields: fasthttp keeps Connection and Transfer-Encoding
		// as parsed state, not as plain headers; drop the rest.
		for _, h := range [...]string{"Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Upgrade"} {
			req.Header.Del(h)
		}
		req.Header.ResetConnectionClose()
		req.SetHost(addr)
		if err := hc.Do(req, resp); err != nil {
			ctx.Error("bad gateway", fasthttp.StatusBadGateway)
			return
		}
		for _, h := range [...]string{"Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Upgrade"} {
			resp.Header.Del(h)
		}
		resp.Header.ResetConnectionClose()
	}
}

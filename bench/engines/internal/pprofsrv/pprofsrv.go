// Package pprofsrv serves net/http/pprof on a separate listener, so an
// engine can be profiled under load without the profiler in its hot path.
package pprofsrv

import (
	"log"
	"net/http"
	"net/http/pprof"
)

// Start serves the pprof handlers on addr in the background; an empty addr
// does nothing.
func Start(addr string) {
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { log.Println(http.ListenAndServe(addr, mux)) }()
}

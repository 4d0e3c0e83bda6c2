// Package proxy sends calls to backends: upstream pools with round robin
// and passive health, one shared tuned http.Transport, a lean forwarder
// that streams bodies both ways, the mapping of upstream failures to error
// conditions, and mock backends that answer without a network call.
package proxy

import (
	"net"
	"net/http"
	"time"
)

// MaxIdleConnsPerHost is how many idle keep-alive connections the shared
// transport keeps to each backend: high, because a gateway talks to few
// hosts at a high rate, and a connection closed for lack of room costs a
// handshake on the next call.
const MaxIdleConnsPerHost = 512

// NewTransport returns an http.Transport tuned for a gateway: many idle
// connections per host, no compression (bodies pass through as the
// backend sent them), no proxy from the environment, HTTP/1.1 to plain
// http upstreams. It has no response header timeout of its own: each call
// carries its backend's timeoutMs (see Pool.Forward).
func NewTransport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		MaxIdleConns:          0, // no overall limit; per host below
		MaxIdleConnsPerHost:   MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
}

// Transport is the transport every pool uses unless its PoolConfig names
// another. Keep-alive connections live here, not in pools, so they survive
// a snapshot swap.
var Transport = NewTransport()

// Package proxy sends calls to backends: upstream pools with round robin
// and passive health, an HTTP/1.1 client of its own for plain-http
// backends (H1Transport) and one shared tuned http.Transport for https, a
// lean forwarder that streams bodies both ways, the mapping of upstream
// failures to error conditions, and mock backends that answer without a
// network call.
package proxy

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tollgate-gw/tollgate/internal/egress"
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
// carries its backend's timeoutMs (see Pool.Forward). Its dialer holds
// the rules of the egress policy that apply to every backend
// (egress.Policy's zero value): see NewClients for the whole policy.
func NewTransport() *http.Transport {
	return newTransport(anyPolicy.Control(egress.Operator))
}

// newTransport is NewTransport whose dialer checks every address with
// control.
func newTransport(control func(network, address string, c syscall.RawConn) error) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control}
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

// Transport is the transport of https upstreams (and of http ones under
// the "std" upstream client) for every pool whose PoolConfig names none.
// Keep-alive connections live here and in H1, not in pools, so they
// survive a snapshot swap.
var Transport = NewTransport()

// H1 is the client of plain-http upstreams for every pool whose PoolConfig
// names no transport, unless the upstream client is "std".
var H1 = &H1Transport{Control: anyPolicy.Control(egress.Operator)}

// Upstream clients, for SetUpstreamClient.
const (
	// UpstreamH1 sends http:// calls with H1 and https:// ones with
	// Transport: the default.
	UpstreamH1 = "h1"
	// UpstreamStd sends every call with Transport (net/http's), the
	// fallback.
	UpstreamStd = "std"
)

// EnvUpstreamClient names the environment variable that sets the
// upstream client when the process starts ("h1" or "std"), before any
// SetUpstreamClient: `TOLLGATE_UPSTREAM_CLIENT=std go test ./...` runs a
// test suite against net/http's Transport.
const EnvUpstreamClient = "TOLLGATE_UPSTREAM_CLIENT"

var useStd atomic.Bool

func init() {
	if v := os.Getenv(EnvUpstreamClient); v != "" {
		if err := SetUpstreamClient(v); err != nil {
			panic(EnvUpstreamClient + ": " + err.Error())
		}
	}
}

// SetUpstreamClient chooses the client of the pools that name no
// transport: UpstreamH1 (or "") or UpstreamStd. It takes effect from the
// next call.
func SetUpstreamClient(name string) error {
	switch name {
	case "", UpstreamH1:
		useStd.Store(false)
	case UpstreamStd:
		useStd.Store(true)
	default:
		return fmt.Errorf("upstream client %q: want %s or %s", name, UpstreamH1, UpstreamStd)
	}
	return nil
}

// UpstreamClient returns the name of the client SetUpstreamClient chose.
func UpstreamClient() string {
	if useStd.Load() {
		return UpstreamStd
	}
	return UpstreamH1
}

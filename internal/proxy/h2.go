package proxy

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// H2 is the client of calls sent over HTTP/2 (Outbound.HTTP2, the calls
// of a gRPC API) for every pool whose PoolConfig names no transport: h2c
// with prior knowledge to http:// targets, h2 negotiated by ALPN to
// https:// ones, never HTTP/1.1, since gRPC cannot run over it. Its
// connections are dialled by Transport's DialContext, looked up at each
// dial, so that whatever governs the dialling of the other upstream
// connections governs these too.
var H2 = newSharedH2()

func newSharedH2() *http.Transport {
	t := NewH2Transport(NewTransport())
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return Transport.DialContext(ctx, network, addr)
	}
	return t
}

// NewH2Transport returns a copy of t that speaks HTTP/2 only: h2c (prior
// knowledge) to http:// URLs, and h2 over TLS to https:// ones. It keeps
// t's dialer and TLS settings.
func NewH2Transport(t *http.Transport) *http.Transport {
	h2 := t.Clone()
	var p http.Protocols
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	h2.Protocols = &p
	return h2
}

// h2RoundTripper returns the transport of the pool's HTTP/2 calls: an
// HTTP/2 copy of the *http.Transport the pool was given, the H2 client of
// the egress origin that saved the backend, or H2.
func (p *Pool) h2RoundTripper() http.RoundTripper {
	if p.h2 != nil {
		return p.h2
	}
	if p.clients != nil {
		return p.clients.H2
	}
	return H2
}

// teTrailers is the one TE value HTTP/2 lets through (RFC 9113,
// 8.2.2), which gRPC servers expect.
var teTrailers = []string{"trailers"}

// keepTETrailers puts "TE: trailers" back on an HTTP/2 call when the
// client sent it: TE is hop-by-hop and so dropped with the others, but a
// gRPC client sends it to say that it understands trailers, and some
// servers refuse a call without it.
func keepTETrailers(out, in http.Header) {
	for _, v := range in["Te"] {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "trailers") {
				out["Te"] = teTrailers
				return
			}
		}
	}
}

// streamWithTrailers readies the answer to an HTTP/2 call, whose
// trailers come after its body, to be streamed: without a length, so
// that an HTTP/1.1 client gets it chunked, which is the only way trailers
// reach it, and flushed after each write (copyBody), so that a gRPC
// stream's messages are not held back.
func streamWithTrailers(dst http.Header, resp *http.Response) {
	delete(dst, "Content-Length")
	resp.ContentLength = -1
}

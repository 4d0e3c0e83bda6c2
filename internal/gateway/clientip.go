package gateway

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the address of the client that sent r: the
// connection's peer, unless the peer is a trusted proxy (Config.
// TrustedProxies). Then X-Forwarded-For is read from the right, each proxy
// having appended the address it saw, and the first address that is not a
// trusted proxy's is the client's. An entry that does not parse ends the
// walk at the nearest address known: what lies left of it was written by
// someone untrusted. It does not allocate.
func (g *Gateway) clientAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	a := ap.Addr().Unmap()
	if !g.trusted(a) {
		return a, true
	}
	vals := r.Header["X-Forwarded-For"]
	for i := len(vals) - 1; i >= 0; i-- {
		for v := vals[i]; v != ""; {
			var part string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				v, part = v[:j], v[j+1:]
			} else {
				v, part = "", v
			}
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			x, err := netip.ParseAddr(part)
			if err != nil {
				return a, true
			}
			a = x.Unmap()
			if !g.trusted(a) {
				return a, true
			}
		}
	}
	return a, true
}

// trusted reports whether a is the address of a trusted proxy.
func (g *Gateway) trusted(a netip.Addr) bool {
	for _, p := range g.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

package gateway

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// checkProtocol refuses a call over a protocol the API is not served on
// (model.APIRules.Protocols) with errcode.ProtocolNotSupported. It runs in
// match, as soon as the API is known: the protocol is a property of the
// address called, like its method, and a call that will be refused
// whatever its credentials should not spend a signature check, a nonce or
// a quota hold.
func (g *Gateway) checkProtocol(c *Call, r *snapshot.Rules) error {
	if r.HTTP && r.HTTPS {
		return nil
	}
	if g.overHTTPS(c.R) {
		if !r.HTTPS {
			return errcode.Newf(errcode.ProtocolNotSupported, "this API is served over http only")
		}
		return nil
	}
	if !r.HTTP {
		return errcode.Newf(errcode.ProtocolNotSupported, "this API is served over https only")
	}
	return nil
}

// overHTTPS reports whether the client called over HTTPS. A trusted proxy
// (Config.TrustedProxies) that terminated TLS says so in
// X-Forwarded-Proto: its last entry, the one the proxy next to the
// gateway wrote about the connection it received. Anyone else's header is
// ignored, as a client could write it; then only the gateway's own
// connection counts.
func (g *Gateway) overHTTPS(r *http.Request) bool {
	if vals := r.Header["X-Forwarded-Proto"]; len(vals) > 0 && len(g.cfg.TrustedProxies) > 0 {
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && g.trusted(ap.Addr().Unmap()) {
			last := vals[len(vals)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			return strings.EqualFold(strings.TrimSpace(last), model.ProtocolHTTPS)
		}
	}
	return r.TLS != nil
}

package proxy

import (
	"net/http"
	"net/textproto"
	"strings"
)

// isHopHeader reports whether a canonical header key is hop-by-hop: it
// describes one connection and must not be forwarded (RFC 9110, 7.6.1).
// Every Proxy-* header is treated so.
func isHopHeader(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return strings.HasPrefix(k, "Proxy-")
}

// connectionListed reports whether the Connection header values conn name
// the canonical key k, ignoring case: such a field is hop-by-hop for this
// message too. It does not allocate.
func connectionListed(conn []string, k string) bool {
	for _, v := range conn {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(textproto.TrimString(f), k) {
				return true
			}
		}
	}
	return false
}

// copyEndToEnd adds to dst the end-to-end headers of src. Value slices are
// shared, not copied: neither side appends to them.
func copyEndToEnd(dst, src http.Header) {
	conn := src["Connection"]
	for k, vv := range src {
		if isHopHeader(k) || (len(conn) > 0 && connectionListed(conn, k)) {
			continue
		}
		dst[k] = vv
	}
}

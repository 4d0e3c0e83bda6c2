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

// connectionListed returns the canonical keys that h's Connection header
// names: hop-by-hop for this message too. Most messages have none, and
// then it does not allocate.
func connectionListed(h http.Header) []string {
	conn := h["Connection"]
	if len(conn) == 0 {
		return nil
	}
	var keys []string
	for _, v := range conn {
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				keys = append(keys, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	return keys
}

// copyEndToEnd adds to dst the end-to-end headers of src. Value slices are
// shared, not copied: neither side appends to them.
func copyEndToEnd(dst, src http.Header) {
	listed := connectionListed(src)
	for k, vv := range src {
		if isHopHeader(k) || contains(listed, k) {
			continue
		}
		dst[k] = vv
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// requestPath returns the path as the client sent it, still escaped. The
// server keeps the received form in URL.RawPath whenever it differs from
// the default encoding of URL.Path, so RawPath, when set, is the wire form
// and is used even where url.URL would think it invalid (a verifier must
// see what was signed, not a repaired copy).
func requestPath(u *url.URL) string {
	if u.RawPath != "" {
		return u.RawPath
	}
	if u.Opaque != "" {
		// "//host/path" in an absolute-form target: the path starts at the
		// first slash after the authority.
		p := strings.TrimPrefix(u.Opaque, "//")
		if i := strings.IndexByte(p, '/'); i >= 0 {
			return p[i:]
		}
		return "/"
	}
	return u.EscapedPath()
}

// requestHost returns the host the request was sent to, as sent.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// appendPathAsSent appends the path as sent, "/" for an empty one: the
// canonical URI of S3, of curl 7.88, of JDCLOUD2 and of TC3.
func appendPathAsSent(dst []byte, p string) []byte {
	if p == "" {
		return append(dst, '/')
	}
	return append(dst, p...)
}

// appendPathEncoded appends the path as sent, encoded once more: every
// byte but the unreserved ones and '/' is percent-encoded, '%' included.
// This is SigV4's canonical URI for every service but S3 ("URI-encode each
// path segment twice"), as the AWS SDKs compute it. Dot segments and
// repeated slashes are kept: the SDKs sign the path they send, unnormalised.
func appendPathEncoded(dst []byte, p string) []byte {
	if p == "" {
		return append(dst, '/')
	}
	return appendEscaped(dst, p, true)
}

// appendJD3Path appends JDCLOUD3's canonical URI of the path p as sent: a
// leading slash is added if missing; '+' means a space and escapes are
// decoded (leniently: a '%' not followed by two hex digits is a literal
// '%'); a decoded "%2F" is a separator like '/'; runs of slashes collapse
// into one; each segment is then percent-encoded with the unreserved set.
// So "/v1%2F%2Finstances", "v1//instances" and "/v1/instances" are one
// path to JDCLOUD3, and so are "/a+b", "/a b" and "/a%20b".
func appendJD3Path(dst []byte, p string) []byte {
	dst = append(dst, '/')
	slash := true
	for i := 0; i < len(p); {
		c, n := decodedByte(p, i, true)
		i += n
		if c == '/' {
			if !slash {
				dst = append(dst, '/')
			}
			slash = true
			continue
		}
		slash = false
		dst = appendEscapedByte(dst, c)
	}
	return dst
}

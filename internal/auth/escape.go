package auth

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/percent"
)

// The SigV4 family, Tencent v1 and Zenith all percent-encode with the RFC 3986
// unreserved set and upper-case hex, and all decode leniently: an escape
// that is not '%' and two hex digits is kept as it stands, the way JD's
// signer treats it, rather than refusing the request.

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is an RFC 3986 unreserved character.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendEscapedByte appends c, percent-encoded unless it is unreserved.
func appendEscapedByte(dst []byte, c byte) []byte {
	if unreserved(c) {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

// appendEscaped appends s with every byte but the unreserved ones (and '/'
// where keepSlash) percent-encoded.
func appendEscaped(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		if keepSlash && s[i] == '/' {
			dst = append(dst, '/')
			continue
		}
		dst = appendEscapedByte(dst, s[i])
	}
	return dst
}

// decodedByte returns the byte that s[i:] starts with once decoded, and how
// many bytes of s it takes: a valid escape decodes, '+' becomes a space when
// plusIsSpace, and anything else stands for itself.
func decodedByte(s string, i int, plusIsSpace bool) (byte, int) {
	c := s[i]
	switch {
	case c == '+' && plusIsSpace:
		return ' ', 1
	case c == '%' && i+2 < len(s) && percent.IsHex(s[i+1]) && percent.IsHex(s[i+2]):
		return percent.Unhex(s[i+1])<<4 | percent.Unhex(s[i+2]), 3
	}
	return c, 1
}

// appendReescaped appends s decoded leniently and encoded again, so that
// every way a client may have escaped the same bytes gives one form.
func appendReescaped(dst []byte, s string, plusIsSpace bool) []byte {
	for i := 0; i < len(s); {
		c, n := decodedByte(s, i, plusIsSpace)
		dst = appendEscapedByte(dst, c)
		i += n
	}
	return dst
}

// appendUnescaped appends s decoded leniently.
func appendUnescaped(dst []byte, s string, plusIsSpace bool) []byte {
	for i := 0; i < len(s); {
		c, n := decodedByte(s, i, plusIsSpace)
		dst = append(dst, c)
		i += n
	}
	return dst
}

// queryParam returns the value of the first parameter of the urlencoded
// raw named name (written plainly, as clients write these names), decoded,
// and whether there is one. Decoding allocates only when the value holds
// an escape.
func queryParam(raw, name string) (string, bool) {
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(piece, "=")
		if k != name {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			v = string(appendUnescaped(nil, v, true))
		}
		return v, true
	}
	return "", false
}

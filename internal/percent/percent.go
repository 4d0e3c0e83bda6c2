// Package percent holds the two byte-level facts of URI percent-encoding
// (RFC 3986, 2.1) that the path normaliser, the signature schemes'
// canonical forms and the gateway's query reader all need, so that they
// cannot disagree on what an escape is.
package percent

// IsHex reports whether c is a hexadecimal digit, either case.
func IsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Unhex returns the value of the hexadecimal digit c; c must satisfy IsHex.
func Unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

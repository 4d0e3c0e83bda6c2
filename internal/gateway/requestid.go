package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
)

// Request ids are a random per-process prefix and a counter: unique
// without a random read per request, and sortable within one process.
var (
	idPrefix  = newIDPrefix()
	idCounter atomic.Uint64
)

func newIDPrefix() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gateway: no randomness for request ids: " + err.Error())
	}
	return hex.EncodeToString(b[:]) + "-"
}

// newRequestID returns a fresh request id.
func newRequestID() string {
	var buf [32]byte
	b := append(buf[:0], idPrefix...)
	b = strconv.AppendUint(b, idCounter.Add(1), 36)
	return string(b)
}

// maxRequestIDLen bounds an id taken from the caller.
const maxRequestIDLen = 128

// saneRequestID reports whether a caller's X-Request-Id can be kept: not
// empty, not too long, and only characters that are safe in headers, logs
// and JSON.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=':
		default:
			return false
		}
	}
	return true
}

package gateway

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Lingering after an answer to a request whose body was cut.
const (
	lingerTimeout = 2 * time.Second
	lingerBytes   = 256 << 10
)

// lingerAnswer sends status and body (with the headers already set on w)
// on the connection of a request whose body was cut, then closes it the
// way a server must while the client may still be sending: it ends its
// own side at once (a FIN after the answer) and reads and drops what the
// client sends for up to lingerTimeout or lingerBytes before it closes.
// Closing at once, with the rest of the body still arriving, makes the
// kernel answer with a reset, which can destroy the answer in the
// client's receive buffer before the client has read it: a slow uploader
// would see "connection reset" instead of the envelope that says why.
// It reports false, having written nothing, where the connection cannot
// be taken over (HTTP/2, a test recorder); the caller then answers as
// usual.
func lingerAnswer(w http.ResponseWriter, status int, body []byte) (int, bool) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return 0, false
	}
	h := w.Header()
	h.Set("Connection", "close")
	rw.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	h.Write(rw)
	rw.WriteString("\r\n")
	n, _ := rw.Write(body)
	rw.Flush()
	// The raw connection, not rw.Reader: the upstream client may still be
	// closing the request body, which drains that same bufio.Reader on
	// its own goroutine. Both only drop what they read.
	go linger(conn)
	return n, true
}

// linger ends the writing side of conn, drops what the client still sends
// for a bounded time and amount, and closes conn.
func linger(conn net.Conn) {
	defer conn.Close()
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, conn, lingerBytes)
}

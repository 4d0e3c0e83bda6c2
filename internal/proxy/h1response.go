package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"sync/atomic"
)

// How a response body is delimited.
const (
	bodyNone    = iota // HEAD, 1xx, 204, 304, Content-Length: 0
	bodyLength         // Content-Length
	bodyChunked        // Transfer-Encoding: chunked
	bodyClose          // until the backend closes the connection
)

// readResponse reads the final response to req from c, skipping interim
// (1xx) ones. Its Body is an *h1Body, which the caller completes.
func (c *h1Conn) readResponse(req *http.Request, method string) (*http.Response, error) {
	budget := c.t.maxHead()
	for n1xx := 0; ; n1xx++ {
		head, err := c.readHead(budget)
		if err != nil {
			return nil, err
		}
		x, err := parseHead(head, strings.Count(head, "\n")-1)
		if err != nil {
			return nil, err
		}
		resp := &x.resp
		code := resp.StatusCode
		if code >= 200 {
			resp.Request = req
			return resp, c.frame(x, req, method)
		}
		if code == http.StatusSwitchingProtocols {
			return nil, errUnexpected101
		}
		if n1xx >= max1xx {
			return nil, errTooMany1xx
		}
		budget -= len(head)
	}
}

// readHead reads a message head, from its first line through the empty
// line that ends it, within limit bytes, and returns it as one string (one
// allocation; the header map's keys and values are slices of it). A head
// that fits in the read buffer is taken from it without another copy.
func (c *h1Conn) readHead(limit int) (string, error) {
	br := c.br
	if _, err := br.Peek(1); err != nil {
		return "", err // nothing arrived: the caller tells a stale connection
	}
	c.gotBytes = true
	for {
		buf, _ := br.Peek(br.Buffered())
		if end := headEnd(buf); end >= 0 {
			if end > limit {
				return "", errHeadTooLarge
			}
			s := string(buf[:end])
			br.Discard(end)
			return s, nil
		}
		if len(buf) >= limit {
			return "", errHeadTooLarge
		}
		if len(buf) == br.Size() {
			return c.readLongHead(limit)
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
}

// readLongHead reads a head larger than the read buffer line by line.
func (c *h1Conn) readLongHead(limit int) (string, error) {
	b := c.scratch[:0]
	for {
		line, err := c.br.ReadSlice('\n')
		if len(b)+len(line) > limit {
			return "", errHeadTooLarge
		}
		b = append(b, line...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		if len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			if cap(b) <= 2*connBufferSize {
				c.scratch = b // keep a small scratch buffer for next time
			}
			return string(b), nil
		}
	}
}

// headEnd returns the length of the head at the start of buf, through its
// empty line (CRLF or a bare LF), or -1 when buf holds no whole head.
func headEnd(buf []byte) int {
	i := 0
	for {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(buf) && buf[i] == '\n':
			return i + 1
		case i+1 < len(buf) && buf[i] == '\r' && buf[i+1] == '\n':
			return i + 2
		}
	}
}

// sectionEnd is headEnd for a section that may be empty: the trailer
// section after the last chunk.
func sectionEnd(buf []byte) int {
	switch {
	case len(buf) >= 1 && buf[0] == '\n':
		return 1
	case len(buf) >= 2 && buf[0] == '\r' && buf[1] == '\n':
		return 2
	}
	return headEnd(buf)
}

// nextLine splits s at its first line end (CRLF or LF).
func nextLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, ""
	}
	line, rest = s[:i], s[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// h1Response is a response and its body, allocated together, with room
// for the values of a few header fields.
type h1Response struct {
	resp http.Response
	body h1Body
	vals [8]string
}

// parseHead parses a response head: the status line, then the header
// fields. hint sizes the header map.
func parseHead(s string, hint int) (*h1Response, error) {
	line, rest := nextLine(s)
	x := new(h1Response)
	resp := &x.resp
	resp.ProtoMajor = 1
	switch {
	case len(line) < 12 || (len(line) > 12 && line[12] != ' ') || line[8] != ' ':
		return nil, badStatusLine(line)
	case line[:8] == "HTTP/1.1":
		resp.Proto, resp.ProtoMinor = "HTTP/1.1", 1
	case line[:8] == "HTTP/1.0":
		resp.Proto, resp.ProtoMinor = "HTTP/1.0", 0
	default:
		return nil, badStatusLine(line)
	}
	code := 0
	for i := 9; i < 12; i++ {
		d := line[i]
		if d < '0' || d > '9' {
			return nil, badStatusLine(line)
		}
		code = code*10 + int(d-'0')
	}
	if code < 100 {
		return nil, badStatusLine(line)
	}
	resp.StatusCode, resp.Status = code, line[9:]
	h, err := parseFields(rest, hint, nil, x.vals[:0])
	if err != nil {
		return nil, err
	}
	resp.Header = h
	return x, nil
}

// parseFields parses header (or trailer) field lines up to the empty line
// into h (a new map when nil). Values are slices of s; their slices are
// carved from vals while it has room.
func parseFields(s string, hint int, h http.Header, vals []string) (http.Header, error) {
	if h == nil {
		h = make(http.Header, hint)
	}
	if cap(vals) == 0 {
		vals = make([]string, 0, hint)
	}
	for {
		var line string
		line, s = nextLine(s)
		if line == "" {
			return h, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, malformed("obsolete line folding")
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || !validToken(line[:colon]) {
			return nil, malformed("header field " + quoteShort(line))
		}
		if strings.IndexByte(line, '\r') >= 0 {
			// A CR inside a line (not ending it) is refused, as net/http
			// refuses it: trimmed away as white space it would let two
			// parsers read different heads (FuzzH1ResponseAgrees).
			return nil, malformed("CR inside header field " + quoteShort(line[:colon]))
		}
		v := textproto.TrimString(line[colon+1:])
		if !validFieldValue(v) {
			return nil, malformed("value of header field " + quoteShort(line[:colon]))
		}
		k := canonicalKey(line[:colon])
		if prior, ok := h[k]; ok {
			h[k] = append(prior, v)
			continue
		}
		if len(vals) == cap(vals) {
			vals = make([]string, 0, 8)
		}
		vals = append(vals, v)
		h[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
}

// canonicalKey returns the canonical form of the field name k, without
// allocating when k is already canonical, as well-behaved backends send.
func canonicalKey(k string) string {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return textproto.CanonicalMIMEHeaderKey(k)
		}
		upper = c == '-'
	}
	return k
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s), "?")
}

// badStatusLine is the error of a response that does not start with a
// status line.
func badStatusLine(line string) error {
	return &malformedError{what: "status line " + quoteShort(line), atStart: true}
}

// frame works out how resp's body is delimited and whether the connection
// can carry another exchange, and gives resp its body.
func (c *h1Conn) frame(x *h1Response, req *http.Request, method string) error {
	resp := &x.resp
	h := resp.Header
	keepAlive := !req.Close
	if conn := h["Connection"]; len(conn) > 0 {
		if hasToken(conn, "close") {
			keepAlive = false
		} else if resp.ProtoMinor == 0 && !hasToken(conn, "keep-alive") {
			keepAlive = false
		}
	} else if resp.ProtoMinor == 0 {
		keepAlive = false
	}

	b := &x.body
	b.c, b.resp, b.mode = c, resp, bodyLength
	resp.Body = b
	resp.ContentLength = -1

	var length int64 = -1
	if cl := h["Content-Length"]; len(cl) > 0 {
		n, ok := parseContentLength(cl)
		if !ok {
			return malformed("Content-Length " + quoteShort(strings.Join(cl, ", ")))
		}
		length = n
		if len(cl) > 1 {
			h["Content-Length"] = cl[:1]
		}
	}
	chunked := false
	if te, ok := h["Transfer-Encoding"]; ok {
		if resp.ProtoMinor == 0 {
			// HTTP/1.0 has no transfer codings: RFC 9112 (6.1) has the
			// framing of such an answer treated as faulty, and net/http
			// reads its body to the close while a decoder would read
			// chunks.
			return malformed("Transfer-Encoding in an HTTP/1.0 answer")
		}
		// Only chunked is understood, alone, as net/http's Transport
		// understands it: another coding would reach the client
		// undecoded, its framing dropped with the hop-by-hop header, and
		// a list is where two parsers come to disagree about the length
		// (FuzzH1ResponseAgrees).
		if len(te) != 1 || !strings.EqualFold(textproto.TrimString(te[0]), "chunked") {
			return malformed("Transfer-Encoding " + quoteShort(strings.Join(te, ", ")) + ": only chunked is understood")
		}
		delete(h, "Transfer-Encoding")
		chunked = true
		resp.TransferEncoding = []string{"chunked"}
		if _, ok := h["Content-Length"]; ok {
			// Both framings: Transfer-Encoding wins, the length goes,
			// and so does the connection (RFC 9112, 6.3).
			delete(h, "Content-Length")
			keepAlive = false
		}
	}

	code := resp.StatusCode
	switch {
	case method == http.MethodHead:
		b.mode = bodyNone
		if !chunked {
			resp.ContentLength = length
		}
	case code == http.StatusNoContent || code == http.StatusNotModified:
		b.mode = bodyNone
		resp.ContentLength = 0
	case chunked:
		b.mode = bodyChunked
	case length == 0:
		b.mode = bodyNone
		resp.ContentLength = 0
	case length > 0:
		b.mode, b.n = bodyLength, length
		resp.ContentLength = length
	default:
		b.mode = bodyClose
		keepAlive = false
	}
	if tr := h["Trailer"]; len(tr) > 0 && chunked {
		resp.Trailer = make(http.Header)
		for _, v := range tr {
			for f := range strings.SplitSeq(v, ",") {
				if f = textproto.TrimString(f); f != "" && validToken(f) {
					resp.Trailer[textproto.CanonicalMIMEHeaderKey(f)] = nil
				}
			}
		}
	}
	b.keepAlive = keepAlive
	resp.Close = !keepAlive
	return nil
}

// parseContentLength parses the values of a Content-Length field: each
// line one decimal number, and several lines all the same number. A
// comma-separated list is refused, as net/http's Transport refuses it,
// though RFC 9110 lets a recipient take a list of equal numbers: a proxy
// should not read a length where the clients behind it would not
// (FuzzH1ResponseAgrees).
func parseContentLength(values []string) (int64, bool) {
	var n int64 = -1
	for _, v := range values {
		f := textproto.TrimString(v)
		if f == "" || len(f) > 18 {
			return 0, false
		}
		var x int64
		for i := 0; i < len(f); i++ {
			if f[i] < '0' || f[i] > '9' {
				return 0, false
			}
			x = x*10 + int64(f[i]-'0')
		}
		if n >= 0 && x != n {
			return 0, false
		}
		n = x
	}
	return n, n >= 0
}

// hasToken reports whether the comma-separated values hold token, ignoring
// case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(textproto.TrimString(f), token) {
				return true
			}
		}
	}
	return false
}

// States of a chunked body.
const (
	chunkSize = iota // before a chunk-size line
	chunkData        // inside a chunk's data; h1Body.n bytes left
	chunkEnd         // after a chunk's data, before its CRLF
)

// h1Body is the body of a response read by an H1Transport. It returns the
// connection to its pool when read to the end (or closes it if the
// exchange does not allow another), and closes the connection when closed
// before that. Close may be called concurrently with a blocked Read, to
// abort it.
type h1Body struct {
	c         *h1Conn
	resp      *http.Response
	stop      func() bool // stops the context's AfterFunc; nil without one
	writer    *bodyWriter // the request body's writer, nil when none
	mode      int
	n         int64 // bytes left: of the body (length) or of the chunk
	cstate    int
	keepAlive bool
	err       error       // sticky read error
	done      atomic.Bool // the connection was released
	closed    atomic.Bool
}

// Read implements io.Reader.
func (b *h1Body) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	switch b.mode {
	case bodyLength:
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err := b.c.br.Read(p)
		b.n -= int64(n)
		if b.n == 0 {
			b.err = io.EOF
			b.finish(true)
			return n, io.EOF
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, b.fail(err)
		}
		return n, nil
	case bodyClose:
		n, err := b.c.br.Read(p)
		if err == io.EOF {
			b.err = io.EOF
			b.finish(false)
			return n, io.EOF
		}
		if err != nil {
			return n, b.fail(err)
		}
		return n, nil
	case bodyChunked:
		return b.readChunked(p)
	}
	return 0, io.EOF
}

// readChunked reads chunk data into p. When the data ends a chunk, it
// looks at what is already buffered for the chunk's CRLF, the next size
// and the end of the body, so that a whole small body comes with io.EOF.
func (b *h1Body) readChunked(p []byte) (int, error) {
	br := b.c.br
	for b.cstate != chunkData {
		if err := b.advance(true); err != nil {
			return 0, b.failOrEOF(err)
		}
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := br.Read(p)
	b.n -= int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return n, b.fail(err)
	}
	if b.n == 0 {
		b.cstate = chunkEnd
		for b.cstate != chunkData {
			if err := b.advance(false); err != nil {
				if err == errWouldBlock {
					break
				}
				return n, b.failOrEOF(err)
			}
		}
	}
	return n, nil
}

// errWouldBlock stops a non-blocking advance.
var errWouldBlock = errors.New("would block")

// advance moves a chunked body past one framing element: a chunk's CRLF, a
// size line, or the trailer section. With block false it only uses what
// is buffered, and returns errWouldBlock when that is not enough. It
// returns io.EOF at the end of the body.
func (b *h1Body) advance(block bool) error {
	br := b.c.br
	if b.cstate == chunkEnd || b.cstate == chunkSize {
		line, err := b.line(block)
		if err != nil {
			return err
		}
		if b.cstate == chunkEnd {
			if len(line) != 0 {
				return malformed("chunk data longer than its size")
			}
			b.cstate = chunkSize
			return nil
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return malformed("chunk size line " + quoteShort(string(line)))
		}
		if size > 0 {
			b.n, b.cstate = size, chunkData
			return nil
		}
		b.cstate = -1 // trailers next
	}
	// The trailer section, through its empty line.
	limit := b.c.t.maxHead()
	if !block {
		buf, _ := br.Peek(br.Buffered())
		end := sectionEnd(buf)
		if end < 0 {
			return errWouldBlock
		}
		if end > limit {
			return malformed("trailer section larger than the limit")
		}
	}
	s, err := b.c.readTrailerSection(limit)
	if err != nil {
		return err
	}
	if s != "" {
		if b.resp.Trailer == nil {
			b.resp.Trailer = make(http.Header)
		}
		if _, err := parseFields(s, 4, b.resp.Trailer, nil); err != nil {
			return err
		}
		for _, k := range [...]string{"Content-Length", "Transfer-Encoding", "Trailer", "Host", "Connection"} {
			delete(b.resp.Trailer, k)
		}
	}
	return io.EOF
}

// line returns the next line of a chunked body without its line end. With
// block false it returns errWouldBlock unless a whole line is buffered.
func (b *h1Body) line(block bool) ([]byte, error) {
	br := b.c.br
	if !block {
		buf, _ := br.Peek(br.Buffered())
		if bytes.IndexByte(buf, '\n') < 0 {
			return nil, errWouldBlock
		}
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return nil, malformed("chunk line longer than the read buffer")
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	// RFC 9112 lets a header line end in a bare LF, but not a line of
	// chunked framing (erratum 7633); net/http refuses it too, and a CR
	// anywhere but before the LF (FuzzH1ResponseAgrees).
	if n := len(line); n < 2 || line[n-2] != '\r' {
		return nil, malformed("chunked line ends with a bare LF")
	}
	line = line[:len(line)-2]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, malformed("CR inside a chunked line")
	}
	return line, nil
}

// readTrailerSection reads the trailer fields after the last chunk,
// through the empty line, within limit bytes; "" when there are none.
func (c *h1Conn) readTrailerSection(limit int) (string, error) {
	var b []byte
	for {
		line, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull || len(b)+len(line) > limit {
			return "", malformed("trailer section larger than the limit")
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		if len(line) < 2 || line[len(line)-2] != '\r' {
			// The trailer section ends a chunked body, whose framing
			// takes no bare LF (erratum 7633); net/http refuses one at
			// the end of the body, and wants the section to end in
			// CRLF CRLF (FuzzH1ResponseAgrees).
			return "", malformed("trailer section line ends with a bare LF")
		}
		if len(line) == 2 {
			if b == nil {
				return "", nil
			}
			return string(append(b, line...)), nil
		}
		b = append(b, line...)
	}
}

// parseChunkSize parses a chunk-size line: hex digits, then optional
// whitespace and chunk extensions, which are ignored.
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto rest
		}
		if i >= 15 {
			return 0, false // > 2^60: nobody sends that
		}
		n = n<<4 | int64(d)
	}
rest:
	if i == 0 {
		return 0, false
	}
	for ; i < len(line); i++ {
		switch line[i] {
		case ' ', '\t':
			continue
		case ';':
			return n, true
		}
		return 0, false
	}
	return n, true
}

// failOrEOF ends the body at io.EOF, or fails it with err.
func (b *h1Body) failOrEOF(err error) error {
	if err == io.EOF {
		b.err = io.EOF
		b.finish(true)
		return io.EOF
	}
	return b.fail(err)
}

// fail records a read error, releases the connection (closing it), and
// returns the error to report: the context's when it ended.
func (b *h1Body) fail(err error) error {
	if ctx := b.ctx(); ctx.Err() != nil {
		err = ctx.Err()
	} else if b.c.aborted.Load() {
		err = context.Canceled
	}
	b.err = err
	b.finish(false)
	return err
}

func (b *h1Body) ctx() context.Context {
	if r := b.resp.Request; r != nil {
		return r.Context()
	}
	return context.Background()
}

// finish releases the connection once: back to the pool when reuse and
// the whole exchange allows it, closed otherwise.
func (b *h1Body) finish(reuse bool) {
	if !b.done.CompareAndSwap(false, true) {
		return
	}
	c := b.c
	if b.stop != nil && !b.stop() {
		reuse = false // the context ended; its AfterFunc closed c
	}
	if reuse && b.keepAlive && (b.writer == nil || b.writer.finished()) && c.br.Buffered() == 0 {
		c.t.putConn(c)
		return
	}
	c.nc.Close()
}

// Close implements io.Closer. Closing a body that was not read to the end
// closes the connection: what is left of it is not worth waiting for.
func (b *h1Body) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.finish(false)
	return nil
}

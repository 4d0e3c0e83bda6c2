package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/jsontext"
)

// DefaultMaxWrappedBytes is how much of a backend's 2xx answer the
// market dialect holds back to wrap, unless Config.MaxWrappedBytes says
// otherwise.
const DefaultMaxWrappedBytes = 8 << 20

// The market dialect's success envelope. code and msg are the same in
// every language, as clients match on them.
const (
	marketOK     = `{"code":"10000","charge":`
	marketRemain = `,"remain":`
	marketResult = `,"msg":"success","result":`
	marketID     = `,"requestId":"`
	marketEnd    = "\"}\n"
)

// errTooLarge stops the copy of an answer past the wrapping cap.
var errTooLarge = errors.New("gateway: answer exceeds the wrapping cap")

// proxyWrapped answers a call of a market-dialect group. The backend's
// answer is held back: a 2xx answer is read whole (up to the cap), the
// call is settled and, if it was charged, made durable, and only then is
// the answer written, wrapped in the market envelope:
//
//	{"code":"10000","charge":true,"remain":41,"msg":"success","result":<body>,"requestId":"..."}
//
// result is the body itself when it is JSON, the body as a JSON string
// when it is not (invalid UTF-8 becomes U+FFFD), and null when it is
// empty. charge is true only when the call was billed: a call of a paid
// package, or a pay-per-call charge. remain is Call.remain. The status is
// the backend's, but that a 204 or 205, which cannot carry a body,
// becomes a 200. The backend's headers go with it but for those that
// describe the body (Content-*, ETag, Accept-Ranges, trailers). A body past the cap is
// answered with BadGateway and not charged; so is a body the backend
// encoded (gzip…), which the envelope cannot carry: the client's
// Accept-Encoding is not passed on, so that a backend has no reason to.
//
// Any other answer streams to the client unchanged as it comes: it is
// never charged, so there is nothing to wait for.
func (g *Gateway) proxyWrapped(c *Call) error {
	b, held, err := g.holdAnswer(c, "the market envelope holds")
	defer b.put()
	if !held {
		return err
	}
	switch b.status {
	case 0, http.StatusNoContent, http.StatusResetContent:
		// 204 and 205 cannot carry the envelope.
		b.status = http.StatusOK
	}
	if enc := b.header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		c.upstreamErr = true
		return errcode.Newf(errcode.BadGateway, "the answer is encoded (%s), which the market envelope cannot carry", enc)
	}
	if err := g.checkAnswer(c, b); err != nil {
		return err // an answer that breaks its declared schema (responserules.go)
	}
	if err := g.settleAs(c, true); err != nil {
		return err
	}

	out := b.out[:0]
	out = append(out, marketOK...)
	out = strconv.AppendBool(out, c.charged)
	out = append(out, marketRemain...)
	out = strconv.AppendInt(out, c.remain(), 10)
	out = append(out, marketResult...)
	out = appendResult(out, b.body)
	out = append(out, marketID...)
	out = append(out, c.RequestID...) // sane: no character needs escaping
	out = append(out, marketEnd...)
	b.out = out

	h := c.W.Header()
	for k, vv := range b.header {
		if !describesBody(k) {
			h[k] = vv
		}
	}
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	c.W.WriteHeader(b.status)
	c.Result.Status, c.Result.Started = b.status, true
	if c.R.Method == http.MethodHead {
		return nil
	}
	n, err := c.W.Write(out)
	c.Result.BytesOut = int64(n)
	if err != nil {
		return errcode.Wrap(errcode.Cancelled, err)
	}
	return nil
}

var jsonContentType = []string{"application/json; charset=utf-8"}

// describesBody reports whether the header k describes the backend's body
// as sent, and so not the envelope that wraps it.
func describesBody(k string) bool {
	return strings.HasPrefix(k, "Content-") || k == "Etag" || k == "Accept-Ranges" ||
		k == "Trailer" || strings.HasPrefix(k, http.TrailerPrefix)
}

// appendResult appends body as the envelope's result: itself when it is
// JSON, null when it is empty, otherwise a JSON string.
func appendResult(out, body []byte) []byte {
	switch {
	case len(body) == 0:
		return append(out, "null"...)
	case json.Valid(body):
		return append(out, bytes.TrimSpace(body)...)
	}
	// A copy, on the rare path of a 2xx answer that is not JSON.
	return jsontext.AppendString(out, string(body))
}

// holdAnswer sends c to its backend through a wrapBuffer that holds a 2xx
// answer back whole (up to MaxWrappedBytes) and lets any other status
// stream to the client. held reports a 2xx answer in b, with nothing sent
// to the client yet; otherwise err is the call's outcome: the business
// error the backend raised (see raise; settle releases the holds), the
// forward's own result for an answer that streamed, BadGateway for one
// past the cap (holder says who held it), or the forward's failure. The
// client's Accept-Encoding is not passed on, so that the answer can be
// read. The caller puts b back.
func (g *Gateway) holdAnswer(c *Call, holder string) (b *wrapBuffer, held bool, err error) {
	c.R.Header.Del("Accept-Encoding")
	b = wrapPool.Get().(*wrapBuffer)
	b.w, b.max, b.g, b.c = c.W, g.maxWrapped, g, c
	err = g.forward(c, b)
	if !b.passing {
		// Nothing has reached the client yet.
		c.Result.Status, c.Result.BytesOut, c.Result.Started = 0, 0, false
	}
	switch {
	case c.raised != nil:
		return b, false, c.raised
	case b.passing:
		return b, false, err
	case b.over:
		c.upstreamErr = true
		return b, false, errcode.Newf(errcode.BadGateway, "the answer exceeds the %d bytes %s", g.maxWrapped, holder)
	case err != nil:
		return b, false, err
	}
	return b, true, nil
}

// wrapBuffer is the http.ResponseWriter a market-dialect call's backend
// writes to. It holds a 2xx answer back, up to max bytes of body; any
// other status it passes to the client's writer at once, and everything
// after it.
type wrapBuffer struct {
	w       http.ResponseWriter
	header  http.Header
	status  int
	body    []byte
	out     []byte
	max     int64
	g       *Gateway
	c       *Call
	dropped int  // the body of an answer that raised a business error
	passing bool // the status was not 2xx: the answer goes straight through
	over    bool // the body went past max
}

var wrapPool = sync.Pool{New: func() any { return &wrapBuffer{header: make(http.Header)} }}

// keepBytes bounds the buffers a pooled wrapBuffer keeps, so that one
// large answer does not pin its memory for good.
const keepBytes = 64 << 10

func (b *wrapBuffer) put() {
	clear(b.header)
	b.w, b.status, b.passing, b.over, b.g, b.c, b.dropped = nil, 0, false, false, nil, nil, 0
	if cap(b.body) > keepBytes {
		b.body = nil
	}
	if cap(b.out) > keepBytes {
		b.out = nil
	}
	b.body, b.out = b.body[:0], b.out[:0]
	wrapPool.Put(b)
}

func (b *wrapBuffer) Header() http.Header {
	if b.passing {
		return b.w.Header()
	}
	return b.header
}

func (b *wrapBuffer) WriteHeader(status int) {
	if b.status != 0 {
		return
	}
	b.status = status
	if b.header[raiseHeader] != nil {
		// The backend raised a business error: its answer is replaced
		// whatever its status, and held back like a 2xx one.
		b.g.raise(b.c, b.header, false)
		return
	}
	if is2xx(status) {
		return
	}
	b.passing = true
	h := b.w.Header()
	for k, vv := range b.header {
		h[k] = vv
	}
	b.w.WriteHeader(status)
}

func (b *wrapBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.WriteHeader(http.StatusOK)
	}
	if b.passing {
		return b.w.Write(p)
	}
	if b.c.raised != nil {
		return raisedBody(&b.dropped, p)
	}
	if int64(len(b.body))+int64(len(p)) > b.max {
		b.over = true
		return 0, errTooLarge
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

// Flush flushes an answer passing through; a held answer has nothing to
// flush yet.
func (b *wrapBuffer) Flush() {
	if f, ok := b.w.(http.Flusher); ok && b.passing {
		f.Flush()
	}
}

package proxy

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Mock is a backend that answers every call with the same status, headers
// and body, from memory.
type Mock struct {
	status int
	header http.Header
	body   []byte
}

// NewMock returns a mock answering status (200 if 0) with headers and body.
// Without a Content-Type header, a body that looks like JSON is sent as
// application/json and any other as text/plain.
func NewMock(status int, headers map[string]string, body string) *Mock {
	if status == 0 {
		status = http.StatusOK
	}
	h := make(http.Header, len(headers)+2)
	for k, v := range headers {
		h.Set(k, v)
	}
	if h.Get("Content-Type") == "" {
		if t := strings.TrimSpace(body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			h.Set("Content-Type", "application/json; charset=utf-8")
		} else {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &Mock{status: status, header: h, body: []byte(body)}
}

// Serve writes the mock's answer. The header values are shared with every
// response: the server copies them when it writes the header.
func (m *Mock) Serve(w http.ResponseWriter, r *http.Request) (Result, error) {
	dst := w.Header()
	for k, vv := range m.header {
		dst[k] = vv
	}
	w.WriteHeader(m.status)
	var n int
	if r.Method != http.MethodHead {
		var err error
		if n, err = w.Write(m.body); err != nil {
			return Result{Status: m.status, BytesOut: int64(n), Started: true}, errcode.Wrap(errcode.Cancelled, err)
		}
	}
	return Result{Status: m.status, BytesOut: int64(n), Started: true}, nil
}

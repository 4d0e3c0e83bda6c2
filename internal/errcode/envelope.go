package errcode

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Envelope bodies, one per dialect. Each carries the request id.
type (
	jdcloudBody struct {
		RequestID string       `json:"requestId"`
		Error     jdcloudError `json:"error"`
	}
	jdcloudError struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	marketBody struct {
		Code      string `json:"code"`
		Charge    bool   `json:"charge"`
		Msg       string `json:"msg"`
		Remain    int64  `json:"remain"`
		Result    any    `json:"result"`
		RequestID string `json:"requestId"`
	}
	zenithBody struct {
		ErrorCode    int    `json:"error_code"`
		ErrorMessage string `json:"error_message"`
		RequestID    string `json:"request_id"`
	}
	tencentBody struct {
		Code      int    `json:"code"`
		Message   string `json:"message"`
		CodeDesc  string `json:"codeDesc"`
		RequestID string `json:"requestId"`
	}
)

// Render returns the HTTP status and JSON body of e in dialect d and
// language lang. The status is the canonical code's in every dialect, so
// that clients and monitors see the same status whatever the body's shape.
func (e *Error) Render(d Dialect, lang Lang, requestID string) (int, []byte) {
	entry := e.Cond.entry(d)
	msg := entry.render(lang, e.Subject, e.Detail)
	var body any
	switch d {
	case DialectMarket:
		body = marketBody{Code: entry.Code, Msg: msg, RequestID: requestID}
	case DialectZenith:
		n, _ := strconv.Atoi(entry.Code)
		body = zenithBody{ErrorCode: n, ErrorMessage: msg, RequestID: requestID}
	case DialectTencent:
		n, _ := strconv.Atoi(entry.Code)
		body = tencentBody{Code: n, Message: msg, CodeDesc: entry.Message.EN, RequestID: requestID}
	default:
		body = jdcloudBody{RequestID: requestID, Error: jdcloudError{Code: e.Cond.HTTP(), Status: entry.Code, Message: msg}}
	}
	b, _ := json.Marshal(body)
	return e.Cond.HTTP(), append(b, '\n')
}

// Write renders err (see From) as the envelope of dialect d and writes it.
func Write(w http.ResponseWriter, d Dialect, lang Lang, requestID string, err error) *Error {
	e := From(err)
	status, body := e.Render(d, lang, requestID)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return e
}

// ParseLang picks the response language from an Accept-Language header:
// the first supported language in the header's preference order, or def
// when it names none. Quality values are honoured; q=0 excludes.
func ParseLang(header string, def Lang) Lang {
	if header == "" {
		return def
	}
	best, bestQ := def, -1.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q <= 0 || q <= bestQ {
			continue
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch primary {
		case "zh":
			best, bestQ = Chinese, q
		case "en":
			best, bestQ = English, q
		}
	}
	return best
}

// ValidLang reports whether l is a supported language.
func ValidLang(l Lang) bool { return l == English || l == Chinese }

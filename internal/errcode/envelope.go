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
// that clients and monitors see the same status whatever the body's shape;
// a business error a backend raised answers with its entry's status.
func (e *Error) Render(d Dialect, lang Lang, requestID string) (int, []byte) {
	entry := e.entryIn(d)
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
		body = jdcloudBody{RequestID: requestID, Error: jdcloudError{Code: e.Status(), Status: entry.Code, Message: msg}}
	}
	b, _ := json.Marshal(body)
	return e.Status(), append(b, '\n')
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

// ParseLang picks the response language from an Accept-Language header
// (RFC 9110, section 12.5.4): of English and Chinese, the one with the
// higher weight, the earlier in the header on a tie; def where the header
// accepts neither. A tag counts by its primary subtag ("zh-CN", "zh_TW",
// "zh-Hans" are Chinese); "*" gives its weight to a language the header
// does not name, and def wins a tie that "*" decides. q=0 excludes, and an
// element with a malformed weight is ignored.
func ParseLang(header string, def Lang) Lang {
	en, zh := langPref{q: -1}, langPref{q: -1}
	star := -1.0
	pos := 0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		q, ok := weight(params)
		if !ok {
			continue
		}
		pos++
		primary, _, _ := strings.Cut(tag, "-")
		primary, _, _ = strings.Cut(primary, "_")
		switch {
		case tag == "*":
			star = max(star, q)
		case strings.EqualFold(primary, "en"):
			en.note(q, pos)
		case strings.EqualFold(primary, "zh"):
			zh.note(q, pos)
		}
	}
	// A language the header does not name takes the weight of "*", after
	// every named one.
	for _, p := range []*langPref{&en, &zh} {
		if p.q < 0 {
			p.q, p.pos = star, pos+1
		}
	}
	switch {
	case en.q <= 0 && zh.q <= 0:
		return def
	case en.q > zh.q, en.q == zh.q && en.pos < zh.pos:
		return English
	case zh.q > en.q, zh.pos < en.pos:
		return Chinese
	}
	return def
}

// langPref is the best weight a header gives a language and where in the
// header it gives it.
type langPref struct {
	q   float64
	pos int
}

func (p *langPref) note(q float64, pos int) {
	if q > p.q {
		p.q, p.pos = q, pos
	}
}

// weight returns the q parameter of an Accept-Language element's
// parameters, 1 where there is none, and false where it is malformed.
func weight(params string) (float64, bool) {
	for param := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(param, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(q >= 0 && q <= 1) {
			return 0, false
		}
		return q, true
	}
	return 1, true
}

// ValidLang reports whether l is a supported language.
func ValidLang(l Lang) bool { return l == English || l == Chinese }

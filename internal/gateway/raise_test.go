package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// raisingBackend is a real backend that raises business errors:
//
//	/raise?code=C&status=S&detail=D   X-Tollgate-Error: C, with status S
//	                                  (200 if absent) and a body, headers
//	                                  and a cookie of its own
//	/ok                               200, a JSON object
type raisingBackend struct {
	*httptest.Server
	calls atomic.Int64
}

func newRaisingBackend(t testing.TB) *raisingBackend {
	b := &raisingBackend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.calls.Add(1)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if r.URL.Path != "/raise" {
			io.WriteString(w, `{"ok":true}`)
			return
		}
		q := r.URL.Query()
		h.Set("X-Tollgate-Error", q.Get("code"))
		if d := q.Get("detail"); d != "" {
			h.Set("X-Tollgate-Error-Detail", d)
		}
		h.Set("X-Backend-Secret", "s3cret")
		h.Set("Set-Cookie", "session=backend")
		status := 200
		if s := q.Get("status"); s != "" {
			status, _ = strconv.Atoi(s)
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"stack":"internal trace of the backend"}`)
	}))
	t.Cleanup(b.Close)
	return b
}

// Codes the fixture's groups add of their own.
var (
	faceTooSmall = model.GroupError{Code: "FACE_TOO_SMALL", HTTP: 422,
		Message:  errcode.Text{EN: "The face is too small", ZH: "人脸太小"},
		Solution: errcode.Text{EN: "Send a larger picture", ZH: "请发送更大的图片"}}
	quotaOfModel = model.GroupError{Code: "70001", HTTP: 429,
		Message: errcode.Text{EN: "The model's quota is used up", ZH: "模型配额已用完"}}
	// shadow names a built-in code of the zenith dialect: the catalogue's
	// entry must win.
	shadow = model.GroupError{Code: "3001", HTTP: 418, Message: errcode.Text{EN: "shadow", ZH: "影子"}}
)

// raisePubs is the market fixture in front of backend, with the group's
// own codes: 70001 on every m- group, FACE_TOO_SMALL on m-jd and m-mk
// (named codes fit those dialects), and a shadow of 3001 on m-zn.
func raisePubs(backend string) []model.Published {
	pubs := marketPubs(backend)
	for i := range pubs {
		p := &pubs[i]
		if !strings.HasPrefix(p.Group.ID, "m-") {
			continue
		}
		p.Errors = []model.GroupError{quotaOfModel}
		switch p.Group.Dialect {
		case errcode.DialectJDCloud, errcode.DialectMarket:
			p.Errors = append(p.Errors, faceTooSmall)
		case errcode.DialectZenith:
			p.Errors = append(p.Errors, shadow)
		}
	}
	return pubs
}

// newRaiseHarness is the market harness in front of a raisingBackend,
// with the gateway's log kept in logs.
func newRaiseHarness(t *testing.T) (*marketHarness, *raisingBackend, *syncBuffer) {
	t.Helper()
	b := newRaisingBackend(t)
	logs := new(syncBuffer)
	m := &marketHarness{callers: marketCallers()}
	var clock *fakeClock
	m.ctr = limit.NewMemory(limit.Options{Clock: clockFunc(func() time.Time { return clock.Now() })})
	cfg := Config{Counter: m.ctr, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	m.harness = newCallersHarness(t, cfg, m.callers, raisePubs(b.URL)...)
	clock = m.clock
	return m, b, logs
}

// fullUsage sums pin's usage on gid, business errors included.
func (m *marketHarness) fullUsage(pin, gid string) limit.Usage {
	m.t.Helper()
	rows, err := m.ctr.Usage(context.Background(), pin, time.Unix(0, 0), m.clock.Now().Add(time.Hour))
	if err != nil {
		m.t.Fatal(err)
	}
	var u limit.Usage
	for _, r := range rows {
		if r.Group == gid {
			u.Calls += r.Calls
			u.OK += r.OK
			u.Charged += r.Charged
			u.Business += r.Business
		}
	}
	return u
}

// message returns the message of an error envelope of any dialect.
func (r response) message() string {
	var m map[string]any
	if json.Unmarshal(r.body, &m) != nil {
		return ""
	}
	if e, ok := m["error"].(map[string]any); ok {
		s, _ := e["message"].(string)
		return s
	}
	for _, k := range []string{"msg", "error_message", "message"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

// TestBusinessErrors: a real backend raises catalogue codes of its
// group's dialect (zenith 3001, market 12010, tencent 5100, jdcloud
// UNKNOWN) and the group's own codes; the caller gets the entry in the
// group's envelope, its status, in English and in Chinese, whatever the
// status the backend raised it with, and nothing of the backend's answer.
// The call is not charged (the pay-per-call balance is whole) and is
// counted as a business error in the usage, the metrics and the access
// log.
func TestBusinessErrors(t *testing.T) {
	cases := []struct {
		gid, code, status, detail string
		wantStatus                int
		en, zh                    string
	}{
		{"m-zn", "3001", "", "", 500, "Face detect failed!", "人脸检测失败"},
		{"m-zn", "3001", "500", "", 500, "Face detect failed!", "人脸检测失败"}, // the shadow loses to the catalogue
		{"m-zn", "5002", "404", "", 404, "Device is not exist!", "设备不存在"},
		{"m-zn", "1110", "", "", 400, "Image decode failed!", "图片解码失败"},
		{"m-zn", "70001", "", "", 429, "The model's quota is used up", "模型配额已用完"},
		{"m-mk", "12010", "", "", 500, "Internal Error", "内部错误"},
		{"m-mk", "12005", "502", "GPU lost", 500, "fail to process image: GPU lost", "图片处理失败: GPU lost"},
		{"m-mk", "FACE_TOO_SMALL", "", "", 422, "The face is too small", "人脸太小"},
		{"m-mk", "70001", "", "", 429, "The model's quota is used up", "模型配额已用完"},
		{"m-tc", "5100", "", "", 500, "Resource operation failed", "资源操作失败"},
		{"m-tc", "70001", "", "", 429, "The model's quota is used up", "模型配额已用完"},
		{"m-jd", "UNKNOWN", "", "", 500, "Unknown Error", "未知错误"},
		{"m-jd", "FACE_TOO_SMALL", "", "", 422, "The face is too small", "人脸太小"},
	}
	for _, c := range cases {
		t.Run(c.gid+"/"+c.code, func(t *testing.T) {
			m, b, _ := newRaiseHarness(t)
			q := url.Values{"code": {c.code}}
			if c.status != "" {
				q.Set("status", c.status)
			}
			if c.detail != "" {
				q.Set("detail", c.detail)
			}
			for _, lang := range []struct{ header, want string }{{"en", c.en}, {"zh-CN,zh;q=0.9", c.zh}} {
				req := m.req(c.gid, "payer", "/raise?"+q.Encode())
				req.Header.Set("Accept-Language", lang.header)
				r := m.do(req)
				if r.StatusCode != c.wantStatus || r.code() != c.code || r.message() != lang.want {
					t.Errorf("%s: got %d %s, want %d, code %s, message %q", lang.header, r.StatusCode, r.body, c.wantStatus, c.code, lang.want)
				}
				for _, h := range []string{"X-Tollgate-Error", "X-Tollgate-Error-Detail", "X-Backend-Secret", "Set-Cookie"} {
					if v := r.Header.Values(h); len(v) > 0 {
						t.Errorf("%s: the backend's header %s reached the caller: %q", lang.header, h, v)
					}
				}
				if strings.Contains(string(r.body), "stack") {
					t.Errorf("the backend's body reached the caller: %s", r.body)
				}
				if r.Header.Get("X-Request-Id") == "" || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
					t.Errorf("headers %v: want the request id and the envelope's content type", r.Header)
				}
				if c.gid == "m-mk" {
					var w wrapped
					if json.Unmarshal(r.body, &w) != nil || w.Charge {
						t.Errorf("market envelope %s: want charge false", r.body)
					}
				}
			}
			if b.calls.Load() != 2 {
				t.Errorf("the backend saw %d calls, want 2", b.calls.Load())
			}
			m.waitServed(2)
			if got := m.balance("payer", payerCredit); got != payerCredit {
				t.Errorf("balance %d, want %d: a business error is not charged", got, payerCredit)
			}
			if u, want := m.fullUsage("payer", c.gid), (limit.Usage{Calls: 2, Business: 2}); u != want {
				t.Errorf("usage %+v, want %+v", u, want)
			}
			labels := map[string]string{"group": c.gid, "code": c.code}
			if n := m.counter("tollgate_business_errors_total", labels); n != 2 {
				t.Errorf("tollgate_business_errors_total%v = %v, want 2", labels, n)
			}
			labels["status"] = strconv.Itoa(c.wantStatus)
			if n := m.counter("tollgate_requests_total", labels); n != 2 {
				t.Errorf("tollgate_requests_total%v = %v, want 2", labels, n)
			}
			if n := m.counter("tollgate_upstream_errors_total", map[string]string{"group": c.gid}); n != 0 {
				t.Errorf("a business error counted as an upstream error (%v)", n)
			}
			lines := m.logLines()
			if len(lines) != 2 || lines[0]["code"] != c.code || lines[0]["status"] != float64(c.wantStatus) {
				t.Errorf("access log %v: want 2 lines with code %s", lines, c.code)
			}
		})
	}
}

// TestBusinessErrorPackageNotUsed: raised business errors take nothing of
// a call package or a daily quota; the calls are all there to succeed
// after them.
func TestBusinessErrorPackageNotUsed(t *testing.T) {
	for _, gid := range []string{"m-zn", "m-mk"} {
		m, _, _ := newRaiseHarness(t)
		code := map[string]string{"m-zn": "3002", "m-mk": "12010"}[gid]
		for _, pin := range []string{"pkg", "daily"} {
			for i := range 4 {
				if r := m.call(gid, pin, "/raise?code="+code); r.code() != code {
					t.Fatalf("%s %s: raise %d: %d %s", gid, pin, i+1, r.StatusCode, r.body)
				}
			}
			for i := range 2 {
				if r := m.call(gid, pin, "/ok"); r.StatusCode != 200 {
					t.Fatalf("%s %s: call %d after business errors: %d %s", gid, pin, i+1, r.StatusCode, r.body)
				}
			}
			if r := m.call(gid, pin, "/ok"); r.StatusCode != 429 {
				t.Errorf("%s %s: a third call: %d %s, want 429", gid, pin, r.StatusCode, r.body)
			}
		}
	}
}

// TestBusinessErrorUnknownCode: a code the group's dialect does not have
// and the group did not add — another dialect's, a made-up one, an empty
// one — is the dialect's internal error, logged with the group, the API
// and the code, not charged and not a business error.
func TestBusinessErrorUnknownCode(t *testing.T) {
	cases := []struct {
		gid, code, wantCode string
	}{
		{"m-mk", "3001", "10030"}, // zenith's, in a market group
		{"m-zn", "12010", "1106"}, // the market's, in a zenith group
		{"m-jd", "3001", "INTERNAL"},
		{"m-tc", "NOPE", "6000"},
		{"m-tc", "FACE_TOO_SMALL", "6000"},                 // another group's own code
		{"a-jd", "FACE_TOO_SMALL", "INTERNAL"},             // m-jd's, not a-jd's: codes are per group
		{"m-mk", "10000", "10030"},                         // a success cannot be raised
		{"m-tc", "5400", "6000"},                           // nor a partial one
		{"m-jd", "APIGW_SIGN_RESULT_NOT_SAME", "INTERNAL"}, // nor what the gateway checks
		{"m-zn", "", "1106"},
	}
	for _, c := range cases {
		m, _, logs := newRaiseHarness(t)
		pin := "payer"
		if c.gid == "a-jd" {
			pin = "open"
		}
		r := m.call(c.gid, pin, "/raise?code="+url.QueryEscape(c.code))
		if r.StatusCode != 500 || r.code() != c.wantCode {
			t.Errorf("%s raising %q: %d %s, want 500 %s", c.gid, c.code, r.StatusCode, r.body, c.wantCode)
		}
		if v := r.Header.Values("X-Tollgate-Error"); len(v) > 0 {
			t.Errorf("%s raising %q: the header reached the caller", c.gid, c.code)
		}
		m.waitServed(1)
		if got := m.balance("payer", payerCredit); got != payerCredit {
			t.Errorf("%s raising %q: balance %d, want %d", c.gid, c.code, got, payerCredit)
		}
		if u, want := m.fullUsage(pin, c.gid), (limit.Usage{Calls: 1}); u != want {
			t.Errorf("%s raising %q: usage %+v, want %+v", c.gid, c.code, u, want)
		}
		var line map[string]any
		for l := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
			if strings.Contains(l, "unknown business error code") {
				json.Unmarshal([]byte(l), &line)
			}
		}
		if line == nil || line["level"] != "WARN" || line["group"] != c.gid || line["api"] != "all" || line["code"] != c.code {
			t.Errorf("%s raising %q: log %q, want a WARN line with the group, the API and the code", c.gid, c.code, logs.String())
		}
	}
}

// TestBusinessErrorDetail: the backend's detail is appended to the
// message, bounded and stripped of control characters.
func TestBusinessErrorDetail(t *testing.T) {
	m, _, _ := newRaiseHarness(t)
	long := strings.Repeat("人", 200)
	r := m.call("m-zn", "payer", "/raise?code=3002&detail="+url.QueryEscape("no face\tin frame 7"))
	if got, want := r.message(), "Face not detected!: no face in frame 7"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	r = m.call("m-zn", "payer", "/raise?code=3002&detail="+url.QueryEscape(long))
	if msg := r.message(); len(msg) > len("Face not detected!: ")+maxRaiseDetail || !strings.HasPrefix(msg, "Face not detected!: 人") {
		t.Errorf("a long detail: %d bytes: %q", len(msg), msg)
	}
}

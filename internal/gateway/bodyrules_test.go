package gateway

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// rulesBackend is a real backend that records what reached it: the
// number of requests and the body of each, read whole.
type rulesBackend struct {
	*httptest.Server
	calls  atomic.Int64
	mu     sync.Mutex
	bodies []int // bytes of each body received
}

// Answers of the rules backend: /answer/good meets answerSchema,
// /answer/bad breaks it (id is a string), /answer/notjson is text.
const answerSchema = `{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}`

func newRulesBackend(t testing.TB) *rulesBackend {
	b := &rulesBackend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		b.calls.Add(1)
		b.mu.Lock()
		b.bodies = append(b.bodies, len(body))
		b.mu.Unlock()
		if err != nil {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/answer/good":
			io.WriteString(w, `{"id": 7, "name": "seven"}`)
		case "/answer/bad":
			io.WriteString(w, `{"id": "seven"}`)
		case "/answer/notjson":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, `seven`)
		default:
			json.NewEncoder(w).Encode(map[string]any{"uri": r.RequestURI, "bytes": len(body), "header": r.Header})
		}
	}))
	t.Cleanup(b.Close)
	return b
}

// rulesAPIs are the APIs of every rules group: one per rule.
func rulesAPIs() []model.API {
	ct := api("ct", "POST", "/ct", model.MatchAbsolute, "")
	ct.Body = &model.BodyRules{ContentTypes: []string{"application/json"}}
	maxb := api("max", "POST", "/max", model.MatchAbsolute, "")
	maxb.Body = &model.BodyRules{MaxBytes: 1024}
	img := api("img", "POST", "/img", model.MatchAbsolute, "")
	img.Body = &model.BodyRules{Required: true, ContentTypes: []string{"image/jpeg", "image/png"},
		Image: &model.ImageRules{Formats: []string{"jpeg"}, MaxBytes: 64 << 10, MaxPixels: 100 * 100}}
	secure := api("secure", "GET", "/secure", model.MatchAbsolute, "")
	secure.Protocols = []string{model.ProtocolHTTPS}
	getItem := api("get-item", "GET", "/items/{id}", model.MatchAbsolute, "")
	getItem.Params = []model.Param{{Name: "id", In: model.InPath, Type: model.TypeString}}
	putItem := api("put-item", "PUT", "/items/{id}", model.MatchAbsolute, "")
	putItem.Params = getItem.Params
	answer := api("answer", "GET", "/answer/{which}", model.MatchAbsolute, "")
	answer.Params = []model.Param{{Name: "which", In: model.InPath, Type: model.TypeString}}
	answer.ValidateResponse = true
	answer.Responses = []model.Response{{Status: 200, ContentType: "application/json", Schema: json.RawMessage(answerSchema)}}
	return []model.API{ct, maxb, img, secure, getItem, putItem, answer}
}

// rulesHarness serves one rules group per dialect, "r-<dialect>", with
// no authentication, in front of a rulesBackend.
func rulesHarness(t *testing.T, cfg Config) (*harness, *rulesBackend) {
	t.Helper()
	b := newRulesBackend(t)
	var pubs []model.Published
	for _, d := range errcode.Dialects {
		pubs = append(pubs, published(group("r-"+string(d), d, errcode.English), model.EnvOnline, httpBackend(5000, b.URL), rulesAPIs()...))
	}
	return newHarness(t, cfg, pubs...), b
}

// picture encodes a w×h picture as format (jpeg or png).
func picture(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 99, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&buf, m, nil)
	case "png":
		err = png.Encode(&buf, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkRefusal checks that resp is cond's envelope in dialect d and
// language lang: status, code and the entry's message in that language.
func checkRefusal(t *testing.T, what string, resp response, cond *errcode.Condition, d errcode.Dialect, lang errcode.Lang) {
	t.Helper()
	entry := cond.Entry(d)
	if resp.StatusCode != cond.HTTP() || resp.code() != entry.Code {
		t.Errorf("%s in %s/%s: got %d %s, want %d with code %s", what, d, lang, resp.StatusCode, resp.body, cond.HTTP(), entry.Code)
		return
	}
	var m map[string]any
	json.Unmarshal(resp.body, &m)
	if e, ok := m["error"].(map[string]any); ok {
		m = e
	}
	want := entry.Message.In(lang)
	for _, k := range []string{"message", "msg", "error_message"} {
		if s, _ := m[k].(string); strings.HasPrefix(s, want) {
			return
		}
	}
	t.Errorf("%s in %s/%s: the message does not start with %q: %s", what, d, lang, want, resp.body)
}

// TestBodyRuleRefusals makes each refusal of the API rules through the
// gateway to a real backend, in every dialect and both languages, and
// checks that the backend never heard of a refused call.
func TestBodyRuleRefusals(t *testing.T) {
	h, b := rulesHarness(t, Config{MaxBodyBytes: 1 << 20})
	jpegSmall := picture(t, "jpeg", 40, 30)
	jpegBig := picture(t, "jpeg", 200, 200) // 40 000 pixels, over 10 000
	pngSmall := picture(t, "png", 40, 30)
	cases := []struct {
		name   string
		method string
		path   string
		ct     string
		body   []byte
		cond   *errcode.Condition
		allow  string // the Allow header a method refusal carries
	}{
		{name: "content type not accepted", method: "POST", path: "/ct", ct: "text/plain", body: []byte(`{"a":1}`), cond: errcode.BodyTypeUnsupported},
		{name: "no content type", method: "POST", path: "/ct", body: []byte(`{"a":1}`), cond: errcode.BodyTypeUnsupported},
		{name: "content type that does not parse", method: "POST", path: "/ct", ct: "application/json; =", body: []byte(`{}`), cond: errcode.BodyTypeUnsupported},
		{name: "body over the API's maximum", method: "POST", path: "/max", ct: "application/octet-stream", body: bytes.Repeat([]byte("x"), 2048), cond: errcode.BodyTooLarge},
		{name: "png sent as image/jpeg", method: "POST", path: "/img", ct: "image/jpeg", body: pngSmall, cond: errcode.BodyTypeUnsupported},
		{name: "picture over maxPixels", method: "POST", path: "/img", ct: "image/jpeg", body: jpegBig, cond: errcode.BodyTooLarge},
		{name: "picture over maxBytes", method: "POST", path: "/img", ct: "image/jpeg", body: append(append([]byte{}, jpegSmall...), make([]byte, 65<<10)...), cond: errcode.BodyTooLarge},
		{name: "text sent as image/jpeg", method: "POST", path: "/img", ct: "image/jpeg", body: []byte("this is no picture at all"), cond: errcode.ImageUndecodable},
		{name: "truncated jpeg", method: "POST", path: "/img", ct: "image/jpeg", body: jpegSmall[:12], cond: errcode.ImageUndecodable},
		{name: "picture missing", method: "POST", path: "/img", ct: "image/jpeg", cond: errcode.ArgumentMissing},
		{name: "plain http to an https API", method: "GET", path: "/secure", cond: errcode.ProtocolNotSupported},
		{name: "a method the path does not have", method: "DELETE", path: "/items/7", cond: errcode.MethodNotSupported, allow: "GET, PUT"},
		{name: "answer breaking its schema", method: "GET", path: "/answer/bad", cond: errcode.BadGateway},
		{name: "answer that is not JSON", method: "GET", path: "/answer/notjson", cond: errcode.BadGateway},
	}
	for _, tc := range cases {
		for _, d := range errcode.Dialects {
			for _, lang := range []errcode.Lang{errcode.English, errcode.Chinese} {
				before := b.calls.Load()
				var body io.Reader
				if tc.body != nil {
					body = bytes.NewReader(tc.body)
				}
				req := h.request(tc.method, "r-"+string(d)+".localhost", tc.path, body)
				if tc.ct != "" {
					req.Header.Set("Content-Type", tc.ct)
				}
				req.Header.Set("Accept-Language", map[errcode.Lang]string{errcode.English: "en", errcode.Chinese: "zh-CN"}[lang])
				resp := h.do(req)
				checkRefusal(t, tc.name, resp, tc.cond, d, lang)
				if got := resp.Header.Get("Allow"); got != tc.allow {
					t.Errorf("%s in %s: Allow %q, want %q", tc.name, d, got, tc.allow)
				}
				reached := b.calls.Load() - before
				if want := int64(map[bool]int{true: 1}[tc.cond == errcode.BadGateway]); reached != want {
					t.Errorf("%s in %s: the backend got %d calls, want %d", tc.name, d, reached, want)
				}
			}
		}
	}
}

// TestBodyRulesPass checks that calls that keep the rules reach the
// backend whole: the same APIs as TestBodyRuleRefusals, rightly called.
func TestBodyRulesPass(t *testing.T) {
	h, b := rulesHarness(t, Config{MaxBodyBytes: 1 << 20})
	jpegSmall := picture(t, "jpeg", 40, 30)
	for _, d := range errcode.Dialects {
		host := "r-" + string(d) + ".localhost"
		for _, tc := range []struct {
			method, path, ct string
			body             []byte
		}{
			{"POST", "/ct", "Application/JSON; charset=utf-8", []byte(`{"a":1}`)},
			{"POST", "/max", "application/octet-stream", bytes.Repeat([]byte("x"), 1024)},
			{"POST", "/img", "image/jpeg", jpegSmall},
			{"GET", "/items/7", "", nil},
			{"PUT", "/items/7", "", nil},
			{"GET", "/answer/good", "", nil},
		} {
			var body io.Reader
			if tc.body != nil {
				body = bytes.NewReader(tc.body)
			}
			req := h.request(tc.method, host, tc.path, body)
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			before := b.calls.Load()
			resp := h.do(req)
			if resp.StatusCode != 200 {
				t.Errorf("%s %s %s: %d %s", d, tc.method, tc.path, resp.StatusCode, resp.body)
				continue
			}
			if b.calls.Load() != before+1 {
				t.Errorf("%s %s %s: the backend was not called", d, tc.method, tc.path)
			}
			b.mu.Lock()
			got := b.bodies[len(b.bodies)-1]
			b.mu.Unlock()
			if got != len(tc.body) {
				t.Errorf("%s %s %s: the backend got %d bytes of %d", d, tc.method, tc.path, got, len(tc.body))
			}
			if tc.path == "/answer/good" && d != errcode.DialectMarket && !strings.Contains(string(resp.body), `"seven"`) {
				t.Errorf("%s: a valid answer was changed: %s", d, resp.body)
			}
		}
	}
}

// TestBodyOverAPIMaxStreamed sends a body of unknown length, in chunks,
// past the API's maximum: it is cut while it is read, at the maximum, and
// the backend never sees any of it. The gateway's own limit is far
// higher, so only the API's maximum can have cut it.
func TestBodyOverAPIMaxStreamed(t *testing.T) {
	h, b := rulesHarness(t, Config{MaxBodyBytes: 1 << 20})
	for _, d := range errcode.Dialects {
		pr, pw := io.Pipe()
		sent := make(chan int64, 1)
		go func() {
			var n int64
			chunk := bytes.Repeat([]byte("y"), 256)
			for range 64 { // 16 KiB, 16 times the maximum
				k, err := pw.Write(chunk)
				n += int64(k)
				if err != nil {
					break
				}
			}
			pw.Close()
			sent <- n
		}()
		req := h.request("POST", "r-"+string(d)+".localhost", "/max", pr)
		req.ContentLength = -1 // chunked
		before := b.calls.Load()
		resp := h.do(req)
		checkRefusal(t, "a streamed body over the API's maximum", resp, errcode.BodyTooLarge, d, errcode.English)
		pr.CloseWithError(io.ErrClosedPipe)
		<-sent
		if b.calls.Load() != before {
			t.Errorf("%s: the backend got the body", d)
		}
	}
}

// TestBodyOverGatewayLimitKeepsItsCode: an API maximum above the
// gateway's limit leaves the gateway's limit, and its code, in force.
func TestBodyOverGatewayLimitKeepsItsCode(t *testing.T) {
	h, _ := rulesHarness(t, Config{MaxBodyBytes: 512})
	req := h.request("POST", "r-market.localhost", "/max", bytes.NewReader(make([]byte, 700)))
	checkRefusal(t, "a body over the gateway's limit", h.do(req), errcode.RequestTooLarge, errcode.DialectMarket, errcode.English)
}

// TestProtocolHTTPS calls an https-only API over TLS (admitted), over
// plain HTTP (refused), and over plain HTTP with an X-Forwarded-Proto
// header: believed from a trusted proxy, ignored from anyone else.
func TestProtocolHTTPS(t *testing.T) {
	h, _ := rulesHarness(t, Config{})
	tlsSrv := httptest.NewTLSServer(h.gw)
	defer tlsSrv.Close()
	req, _ := http.NewRequest("GET", tlsSrv.URL+"/secure", nil)
	req.Host = "r-tencent.localhost"
	client := tlsSrv.Client()
	client.Transport.(*http.Transport).TLSClientConfig.MinVersion = tls.VersionTLS12
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("over TLS: %d, want 200", resp.StatusCode)
	}

	// A client's own X-Forwarded-Proto proves nothing.
	spoof := h.request("GET", "r-tencent.localhost", "/secure", nil)
	spoof.Header.Set("X-Forwarded-Proto", "https")
	checkRefusal(t, "a client's X-Forwarded-Proto", h.do(spoof), errcode.ProtocolNotSupported, errcode.DialectTencent, errcode.English)

	// Nor does it from a peer that is not one of the trusted proxies.
	elsewhere, _ := rulesHarness(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	spoof = elsewhere.request("GET", "r-tencent.localhost", "/secure", nil)
	spoof.Header.Set("X-Forwarded-Proto", "https")
	checkRefusal(t, "X-Forwarded-Proto from an untrusted peer", elsewhere.do(spoof), errcode.ProtocolNotSupported, errcode.DialectTencent, errcode.English)

	trusted, _ := rulesHarness(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	for _, tc := range []struct {
		proto []string
		ok    bool
	}{
		{[]string{"https"}, true},
		{[]string{"HTTPS"}, true},
		{[]string{"http"}, false},
		{[]string{"https, http"}, false}, // the nearest proxy received http
		{[]string{"http", "https"}, true},
		{nil, false},
	} {
		req := trusted.request("GET", "r-zenith.localhost", "/secure", nil)
		req.Header["X-Forwarded-Proto"] = tc.proto
		resp := trusted.do(req)
		if tc.ok && resp.StatusCode != 200 {
			t.Errorf("trusted proxy, X-Forwarded-Proto %q: %d %s", tc.proto, resp.StatusCode, resp.body)
		}
		if !tc.ok {
			checkRefusal(t, fmt.Sprintf("trusted proxy, X-Forwarded-Proto %q", tc.proto), resp, errcode.ProtocolNotSupported, errcode.DialectZenith, errcode.English)
		}
	}
}

// TestMethodNotSupportedUnknownPathStaysNotFound: a path no API has is
// still NOT_FOUND, without an Allow header.
func TestMethodNotSupportedUnknownPathStaysNotFound(t *testing.T) {
	h, _ := rulesHarness(t, Config{})
	resp := h.do(h.request("DELETE", "r-zenith.localhost", "/items/7/x", nil))
	checkRefusal(t, "an unknown path", resp, errcode.NotFound, errcode.DialectZenith, errcode.English)
	if a := resp.Header.Get("Allow"); a != "" {
		t.Errorf("Allow %q on an unknown path", a)
	}
}

// TestSignedBodyOverAPIMax: on a scheme that signs the body, the
// signature check reads it first, and reads it within the API's maximum,
// not the gateway's: a chunked body over the maximum is cut there with
// body_too_large (12009 in the market dialect), and one within it is
// verified, checked by the body stage without a second read, and
// forwarded whole.
func TestSignedBodyOverAPIMax(t *testing.T) {
	backend := newRulesBackend(t)
	small := api("small", "POST", "/small", model.MatchAbsolute, "")
	small.Body = &model.BodyRules{MaxBytes: 64, ContentTypes: []string{"application/json"}}
	pubs := fixtureGroups(backend.URL)
	for i := range pubs {
		pubs[i].Revision.APIs = append(pubs[i].Revision.APIs, small)
	}
	h := newCallersHarness(t, Config{MaxBodyBytes: 1 << 20}, fixtureCallers(), pubs...)
	send := func(body string) response {
		req := h.signed("POST", hostJD, "/small", body, signing{scheme: model.SchemeJDCloud2, ak: "AK"})
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = -1
		req.GetBody = nil
		return h.do(req)
	}
	big := `{"pad":"` + strings.Repeat("x", 100) + `"}`
	checkRefusal(t, "a signed body over the API's maximum", send(big), errcode.BodyTooLarge, errcode.DialectJDCloud, errcode.English)
	if n := backend.calls.Load(); n != 0 {
		t.Errorf("the backend got %d calls", n)
	}
	ok := `{"pad":"` + strings.Repeat("x", 40) + `"}`
	if resp := send(ok); resp.StatusCode != 200 {
		t.Fatalf("a signed body within the maximum: %d %s", resp.StatusCode, resp.body)
	}
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if got := backend.bodies[len(backend.bodies)-1]; got != len(ok) {
		t.Errorf("the backend got %d bytes of %d", got, len(ok))
	}
}

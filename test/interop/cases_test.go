package interop

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// request is what a client is asked to send.
type request struct {
	method string
	// pairs is the query, decoded: what the backend must be given. A
	// client that builds its query from parameters encodes them its own
	// way; that is part of what is tried.
	pairs [][2]string
	// raw is the query written out, for clients that take a URL (curl,
	// the AWS signer): it decodes to pairs, and spells them as a person
	// would type them.
	raw string
	// body, when not nil, is sent as JSON (Tencent v1, which has none,
	// sends its fields as a form).
	body map[string]any
}

// interopCase is one thing tried with every client.
type interopCase struct {
	name string
	req  request
	// base names the accepted case whose request a refusal case sends;
	// a refusal proves something only if that request is accepted.
	base   string
	tamper string // a tamper* name: the wire changes one byte
	replay bool   // the request is sent, then its bytes again
	expire bool   // the gateway's clock is past the request's window
}

// The case names clients refer to.
const (
	caseGET      = "GET"
	caseUTF8     = "GET UTF-8 query"
	caseReserved = "GET reserved characters"
	caseRepeated = "GET repeated parameter"
	caseEmpty    = "GET empty parameters"
	casePlus     = "GET + and %20"
	casePOST     = "POST JSON body"
)

var getRequest = request{method: "GET", pairs: [][2]string{{"t", tamperMark}, {"n", "1"}}, raw: "t=" + tamperMark + "&n=1"}

var postRequest = request{method: "POST", pairs: [][2]string{{"q", "1"}}, raw: "q=1",
	body: map[string]any{"t": tamperMark, "n": 1, "名": "值"}}

// cases is the suite: accepted requests first, then refusals of them.
var cases = []interopCase{
	{name: caseGET, req: getRequest},
	{name: caseUTF8, req: request{method: "GET",
		pairs: [][2]string{{"名", "值"}, {"x", "é"}},
		raw:   "%E5%90%8D=%E5%80%BC&x=%C3%A9"}},
	// The names sort one way decoded (a- a/ a0 a:) and another encoded
	// (a%2F a%3A a- a0), and are sent in neither order.
	{name: caseReserved, req: request{method: "GET",
		pairs: [][2]string{{"a0", "1"}, {"a:", "2"}, {"a-", "3"}, {"a/", "4"}, {"v", "!*'();:@&=+$,/?#[] ~"}},
		raw:   "a0=1&a%3A=2&a-=3&a%2F=4&v=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D%20~"}},
	{name: caseRepeated, req: request{method: "GET",
		pairs: [][2]string{{"a", "2"}, {"a", "1"}},
		raw:   "a=2&a=1"}},
	{name: caseEmpty, req: request{method: "GET",
		pairs: [][2]string{{"b", ""}, {"c", ""}},
		raw:   "b=&c"}},
	{name: casePlus, req: request{method: "GET",
		pairs: [][2]string{{"sp", "a b"}, {"sp2", "a b"}, {"pl", "1+1"}},
		raw:   "sp=a+b&sp2=a%20b&pl=1%2B1"}},
	{name: casePOST, req: postRequest},
	{name: "tampered signature", req: getRequest, base: caseGET, tamper: tamperSignature},
	{name: "tampered date", req: getRequest, base: caseGET, tamper: tamperDate},
	{name: "tampered path", req: getRequest, base: caseGET, tamper: tamperPath},
	{name: "tampered query", req: getRequest, base: caseGET, tamper: tamperQuery},
	{name: "tampered body", req: postRequest, base: casePOST, tamper: tamperBody},
	{name: "replay", req: getRequest, base: caseGET, replay: true},
	{name: "expired", req: getRequest, base: caseGET, expire: true},
}

// expected is the answer a refusal case must get: a condition, or nil for
// a request that must be served.
func (c interopCase) expected(cl *client) (*errcode.Condition, string) {
	switch {
	case c.tamper == tamperBody && cl.unsignedPayload:
		return nil, "UNSIGNED-PAYLOAD: the body is not signed, by the client's choice"
	case c.tamper != "":
		return errcode.SignatureMismatch, ""
	case c.replay && cl.nonce:
		return errcode.NonceReused, ""
	case c.replay:
		return nil, "no nonce: a copy is served until it leaves the window"
	case c.expire:
		return errcode.AuthExpired, ""
	}
	return nil, ""
}

// checkRefusal reports how ex differs from cond's answer in dialect d.
func checkRefusal(ex exchange, cond *errcode.Condition, d errcode.Dialect) error {
	want := cond.Entry(d)
	if ex.status != cond.HTTP() {
		return fmt.Errorf("got %d %s, want %d %s (%s)", ex.status, ex.body, cond.HTTP(), want.Code, cond.Name)
	}
	var code string
	switch d {
	case errcode.DialectTencent:
		var b struct {
			Code int `json:"code"`
		}
		json.Unmarshal(ex.body, &b)
		code = strconv.Itoa(b.Code)
	default:
		var b struct {
			Error struct {
				Status string `json:"status"`
			} `json:"error"`
		}
		json.Unmarshal(ex.body, &b)
		code = b.Error.Status
	}
	if code != want.Code {
		return fmt.Errorf("got %d %s, want code %s (%s)", ex.status, ex.body, want.Code, cond.Name)
	}
	return nil
}

// credentialParams must never reach the backend.
var credentialParams = []string{"Signature", "SecretId", "X-Amz-Signature", "X-Amz-Credential"}

// checkServed reports how what the backend was given differs from r, sent
// by cl to group grp.
func checkServed(ex exchange, r request, cl *client, grp groupInfo) error {
	if ex.status != 200 {
		return fmt.Errorf("got %d %s, want 200", ex.status, ex.body)
	}
	var got proxytest.Echoed
	if err := json.Unmarshal(ex.body, &got); err != nil || got.Server != "echo" {
		return fmt.Errorf("not the backend's echo: %s", ex.body)
	}
	if got.Method != r.method {
		return fmt.Errorf("backend got method %s, want %s", got.Method, r.method)
	}
	path, rawQuery, _ := strings.Cut(got.RequestURI, "?")
	if want := callPath(grp); path != want {
		return fmt.Errorf("backend got path %q, want %q", path, want)
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("backend got query %q: %v", rawQuery, err)
	}
	if err := containsPairs(query, cl.sentPairs(r)); err != nil {
		return fmt.Errorf("backend got query %q: %v", rawQuery, err)
	}
	for _, p := range credentialParams {
		if query.Has(p) {
			return fmt.Errorf("backend got the credential %s in %q", p, rawQuery)
		}
	}
	if s := got.Header.Get("X-Tollgate-Auth-Scheme"); s != cl.scheme {
		return fmt.Errorf("backend told scheme %q, want %q", s, cl.scheme)
	}
	if a := got.Header.Get("Authorization"); a != "" {
		return fmt.Errorf("backend got Authorization %q", a)
	}
	if r.body == nil {
		return nil
	}
	if cl.formBody {
		form, err := url.ParseQuery(got.Body)
		if err != nil {
			return fmt.Errorf("backend got body %q: %v", got.Body, err)
		}
		var want [][2]string
		for k, v := range r.body {
			want = append(want, [2]string{k, fmt.Sprint(v)})
		}
		if err := containsPairs(form, want); err != nil {
			return fmt.Errorf("backend got body %q: %v", got.Body, err)
		}
		return nil
	}
	var gotBody, wantBody any
	if err := json.Unmarshal([]byte(got.Body), &gotBody); err != nil {
		return fmt.Errorf("backend got body %q: %v", got.Body, err)
	}
	j, _ := json.Marshal(r.body)
	json.Unmarshal(j, &wantBody)
	if !reflect.DeepEqual(gotBody, wantBody) {
		return fmt.Errorf("backend got body %s, want %s", got.Body, j)
	}
	return nil
}

// containsPairs reports a pair of want missing from got, counting
// repeated names.
func containsPairs(got url.Values, want [][2]string) error {
	need := map[[2]string]int{}
	for _, p := range want {
		need[p]++
	}
	for p, n := range need {
		have := 0
		for _, v := range got[p[0]] {
			if v == p[1] {
				have++
			}
		}
		if have < n {
			return fmt.Errorf("%q=%q: %d of %d", p[0], p[1], have, n)
		}
	}
	return nil
}

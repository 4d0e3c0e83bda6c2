package auth

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth/authtest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// sendAndVerify sends req to a verifying server of scheme and returns the
// Result, or the refusal's text with ok false.
func sendAndVerify(t *testing.T, scheme Scheme, keys Keys, req *http.Request) (Result, string, bool) {
	t.Helper()
	results := make(chan Result, 1)
	srv := verifyingServer(t, scheme, keys, results)
	host := req.Host
	u := *req.URL
	u.Scheme, u.Host = "http", strings.TrimPrefix(srv.URL, "http://")
	req.URL, req.Host = &u, host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Result{}, string(body), false
	}
	return <-results, "", true
}

// TestJDCloud3PythonSDK has requests signed as JD Cloud's Python SDK signs
// them since 1.6.95 (SignedHeaders=content-type;host: neither the date nor
// the nonce signed; authtest.SignJDPython reproduces its signer, which is
// not installable here) travel to a verifying server. Before the fix each
// was refused APIGW_ILLEGAL_HEADER.
func TestJDCloud3PythonSDK(t *testing.T) {
	t.Log(authtest.JDPythonVersion)
	keys := keyring{"AKPY": {[]byte("py-secret/+=")}}
	now := time.Now().UTC().Truncate(time.Second)
	tests := []struct {
		name, method, host, target, body string
	}{
		{"GET with a query", "GET", "vm.example.com", "/v1/regions/cn-north-1/instances?pageSize=10&pageNumber=2&filters.1.name=id", ""},
		{"GET with a port and UTF-8", "GET", "vm.example.com:8443", "/v1/regions/cn-north-1/instances?name=%E5%90%8D&tag=a%20b", ""},
		{"POST JSON", "POST", "vm.example.com", "/v1/regions/cn-north-1/instances", `{"instanceSpec":{"az":"cn-north-1a","name":"i"}}`},
		{"path with spaces and slashes", "GET", "vm.example.com", "/v1//regions/a%20b/x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://"+tc.host+tc.target, strings.NewReader(tc.body))
			req.Host = tc.host
			authtest.SignJDPython(req, []byte(tc.body), "AKPY", "py-secret/+=", "cn-north-1", "vm", now, "0c6e1f7c-0f4e-4b7e-9a52-1f5a8e4d6a01")
			if a := req.Header.Get("Authorization"); !strings.Contains(a, "SignedHeaders=content-type;host,") {
				t.Fatalf("the reproduction signs %q, not content-type;host", a)
			}
			res, refusal, ok := sendAndVerify(t, JDCloud3{}, keys, req)
			if !ok {
				t.Fatalf("refused: %s", refusal)
			}
			sig := req.Header.Get("Authorization")
			sig = sig[strings.Index(sig, "Signature=")+len("Signature="):]
			if res.AccessKey != "AKPY" || !res.SignedAt.Equal(now) || res.Nonce != "sig:"+sig || res.Region != "cn-north-1" || res.Service != "vm" {
				t.Errorf("result %+v, want AKPY signed at %v with the signature as its nonce", res, now)
			}
		})
	}
}

// TestJDCloud3UnsignedNonceAttacks spoils a request signed as the Python
// SDK signs: what an attacker can change without the secret (the unsigned
// nonce, the signature's spelling) leaves the replay key as it was, so the
// replay stage refuses the copy; what is bound (the date, the body) is
// refused here.
func TestJDCloud3UnsignedNonceAttacks(t *testing.T) {
	keys := keyring{"AKPY": {[]byte("py-secret")}}
	at := sigv4Time
	signed := func() *http.Request {
		r := rawRequest("POST", "vm.example.com", "/v1/items", "b=2&a=1")
		authtest.SignJDPython(r, []byte(`{"n":1}`), "AKPY", "py-secret", "cn-north-1", "vm", at, "nonce-1")
		return r
	}
	orig, err := JDCloud3{}.Verify(signed(), []byte(`{"n":1}`), keys)
	if err != nil {
		t.Fatalf("the request as signed: %v", err)
	}
	tests := []struct {
		name  string
		spoil func(*http.Request)
		body  string
		want  *errcode.Condition // nil: verifies, with orig's replay key
	}{
		{"another nonce", func(r *http.Request) { r.Header.Set("X-Jdcloud-Nonce", "nonce-2") }, `{"n":1}`, nil},
		{"signature in upper case", func(r *http.Request) {
			h := r.Header.Get("Authorization")
			i := strings.Index(h, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", h[:i]+strings.ToUpper(h[i:]))
		}, `{"n":1}`, nil},
		{"components reordered", func(r *http.Request) {
			parts := strings.SplitN(strings.TrimPrefix(r.Header.Get("Authorization"), "JDCLOUD3-HMAC-SHA256 "), ", ", 3)
			r.Header.Set("Authorization", "JDCLOUD3-HMAC-SHA256 "+parts[2]+","+parts[0]+" , "+parts[1])
		}, `{"n":1}`, nil},
		{"date a second later", func(r *http.Request) { r.Header.Set("X-Jdcloud-Date", at.Add(time.Second).Format(sigV4Time)) }, `{"n":1}`, errcode.SignatureMismatch},
		{"date of another day", func(r *http.Request) { r.Header.Set("X-Jdcloud-Date", at.Add(24*time.Hour).Format(sigV4Time)) }, `{"n":1}`, errcode.AuthBadTimestamp},
		{"no date", func(r *http.Request) { r.Header.Del("X-Jdcloud-Date") }, `{"n":1}`, errcode.AuthMissingTimestamp},
		{"no nonce", func(r *http.Request) { r.Header.Del("X-Jdcloud-Nonce") }, `{"n":1}`, errcode.AuthMissingNonce},
		{"another body", func(*http.Request) {}, `{"n":2}`, errcode.SignatureMismatch},
		{"another query", func(r *http.Request) { r.URL.RawQuery = "a=1&b=3" }, `{"n":1}`, errcode.SignatureMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := signed()
			tc.spoil(r)
			got, err := JDCloud3{}.Verify(r, []byte(tc.body), keys)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == nil && got.Nonce != orig.Nonce:
				t.Errorf("replay key %q, want the original's %q", got.Nonce, orig.Nonce)
			case tc.want != nil && condOf(err) != tc.want:
				t.Errorf("err = %v, want condition %s", err, tc.want.Name)
			}
		})
	}

	// A nonce that is signed is the replay key itself, as before.
	r := rawRequest("GET", "vm.example.com", "/v1/items", "")
	if err := (JDCloud3{}).Sign(r, nil, Signing{AccessKey: "AKPY", Secret: []byte("py-secret"), Time: at, Nonce: "n-signed", Region: "cn-north-1", Service: "vm"}); err != nil {
		t.Fatal(err)
	}
	if got, err := (JDCloud3{}).Verify(r, nil, keys); err != nil || got.Nonce != "n-signed" {
		t.Errorf("signed nonce: %+v, %v; want the nonce n-signed", got, err)
	}
}

// jdJSVectors were made by jdcloud-sdk-js 1.2.202's own SignerV2 (node,
// the package from npm), at 2023-11-14T22:13:20Z with the nonce set by
// hand, for GET http://g-jd.localhost/users/7 and the query parameters
// {名: 值, x: é}, {a/: 1, a-: [z, y], a:: "", a0: "q r"} and {Ａ: 1, 😀: 2},
// key AK, secret secret-AK, region cn-north-1, service svc. Each query is
// sent in insertion order; the SDK signs it sorted by decoded name, so no
// other candidate's form is the one signed.
var jdJSVectors = []struct {
	name, query, canonical, signature string
}{
	{"utf8", "%E5%90%8D=%E5%80%BC&x=%C3%A9", "x=%C3%A9&%E5%90%8D=%E5%80%BC", "86e37998e8348b186eaf85e4177d28f83bf43344b259670018455024b08c65ae"},
	{"ascii", "a%2F=1&a-=z&a-=y&a%3A=&a0=q%20r", "a-=y&a-=z&a%2F=1&a0=q%20r&a%3A=", "4b0e90991ab6b519268524480ddb6eb09d70f3cfa0fc753920e71d44b53f9b0d"},
	{"astral", "%EF%BC%A1=1&%F0%9F%98%80=2", "%F0%9F%98%80=2&%EF%BC%A1=1", "d7995aec277fc027454970ad5bab3b5860712b039e2d2ae3b261a2084dac2ab8"},
}

// jdJSRequest is one of jdJSVectors as the SDK sends it.
func jdJSRequest(name, query, signature string) *http.Request {
	r := rawRequest("GET", "g-jd.localhost", "/users/7", query)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Jdcloud-Date", "20231114T221320Z")
	r.Header.Set("X-Jdcloud-Nonce", "nonce-"+name)
	r.Header.Set("Authorization", "JDCLOUD2-HMAC-SHA256 Credential=AK/20231114/cn-north-1/svc/jdcloud2_request, "+
		"SignedHeaders=accept;content-type;host;x-jdcloud-date;x-jdcloud-nonce, Signature="+signature)
	return r
}

// TestJDCloud2JSSDK verifies what jdcloud-sdk-js signs, over a real
// connection. Before the fix every vector was refused
// APIGW_SIGN_RESULT_NOT_SAME.
func TestJDCloud2JSSDK(t *testing.T) {
	keys := keyring{"AK": {[]byte("secret-AK")}}
	for _, v := range jdJSVectors {
		t.Run(v.name, func(t *testing.T) {
			res, refusal, ok := sendAndVerify(t, JDCloud2{}, keys, jdJSRequest(v.name, v.query, v.signature))
			if !ok {
				t.Fatalf("refused: %s", refusal)
			}
			if res.AccessKey != "AK" || res.Nonce != "nonce-"+v.name || res.Service != "svc" {
				t.Errorf("result %+v", res)
			}
			// The same parameters sent in the SDK's canonical order still
			// verify; a changed value or a parameter dropped does not.
			for _, tc := range []struct {
				query string
				ok    bool
			}{
				{v.canonical, true},
				{strings.Replace(v.query, "=", "=0", 1), false},
				{v.query[:strings.LastIndexByte(v.query, '&')], false},
				{v.query + "&extra=1", false},
			} {
				_, err := JDCloud2{}.Verify(jdJSRequest(v.name, tc.query, v.signature), nil, keys)
				if (err == nil) != tc.ok {
					t.Errorf("query %q: err = %v, want accepted = %v", tc.query, err, tc.ok)
				}
			}
		})
	}
}

// TestDecodedOrderQuery checks appendDecodedOrder against the canonical
// queries jdcloud-sdk-js 1.2.202 builds (querystring.parse, then
// util.queryParamsToString, run under node): repeated names (values
// sorted encoded), empty and missing values, nameless parameters, '+',
// bad escapes, and the UTF-16 order of characters beyond U+FFFF.
func TestDecodedOrderQuery(t *testing.T) {
	tests := [][2]string{
		{"%E5%90%8D=%E5%80%BC&x=%C3%A9", "x=%C3%A9&%E5%90%8D=%E5%80%BC"},
		{"a%2F=1&a-=z&a-=y&a%3A=&a0=q%20r", "a-=y&a-=z&a%2F=1&a0=q%20r&a%3A="},
		{"%EF%BC%A1=1&%F0%9F%98%80=2", "%F0%9F%98%80=2&%EF%BC%A1=1"},
		{"b=2&a=1", "a=1&b=2"},
		{"a+b=c+d&a%20b=x&a_b=1", "a%20b=c%20d&a%20b=x&a_b=1"},
		{"=x&a&b=&c=%zz", "=x&a=&b=&c=%25zz"},
		{"Z=1&a=2&_=3&~=4&.=5", ".=5&Z=1&_=3&a=2&~=4"},
		{"k=%2A&k=%21&k=a&k=%27", "k=%21&k=%27&k=%2A&k=a"},
		{"x=1&x=1&x=", "x=&x=1&x=1"},
	}
	var qb queryBuilder
	for _, tc := range tests {
		qb.appendSortedQuery(nil, tc[0], false)
		if got := string(qb.appendDecodedOrder(nil)); got != tc[1] {
			t.Errorf("%q: got %q, want %q (jdcloud-sdk-js)", tc[0], got, tc[1])
		}
	}
}

// tcNodeVectors were made by tencentcloud-sdk-nodejs-common 4.1.220's own
// Sign.sign3 (node, the package from npm) at Unix time 1700000000, key AK,
// secret secret-AK, service g-tc, for URLs on g-tc.localhost:8080: the SDK
// signs the URL's hostname, without the port, and a GET's query as it
// sends it (querystring.stringify, in insertion order).
var tcNodeVectors = []struct {
	name, method, target, contentType, body, signature string
}{
	{"GET", "GET", "/users/1?Limit=10&Filter=a%20b&Action=%C3%A9", "application/x-www-form-urlencoded", "",
		"368abf8bf87a7637a75f5b1b919830142b661d4a95172a3c1ab9b9a85ea9bd92"},
	{"POST", "POST", "/echo", "application/json", `{"Limit":1,"Name":"x"}`,
		"cc83ebe4e9692f1669668ee257c5dcb913abe96cebb9ebc2fb520b343df4480a"},
}

// tcNodeRequest is one of tcNodeVectors as the SDK sends it to host.
func tcNodeRequest(host, method, target, contentType, signature string) *http.Request {
	path, query, _ := strings.Cut(target, "?")
	r := rawRequest(method, host, path, query)
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-TC-Action", "DescribeThings")
	r.Header.Set("X-TC-Version", "2017-03-12")
	r.Header.Set("X-TC-Region", "ap-guangzhou")
	r.Header.Set("X-TC-Timestamp", "1700000000")
	r.Header.Set("X-TC-RequestClient", "SDK_NODEJS_4.1.220")
	r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AK/2023-11-14/g-tc/tc3_request, SignedHeaders=content-type;host, Signature="+signature)
	return r
}

// TestTC3NodeSDK verifies what Tencent's Node SDK signs, over a real
// connection, with a Host header that carries the port; and checks that
// the host without its port is only ever the same host. Before the fix
// every vector was refused APIGW_SIGN_RESULT_NOT_SAME.
func TestTC3NodeSDK(t *testing.T) {
	keys := keyring{"AK": {[]byte("secret-AK")}}
	for _, v := range tcNodeVectors {
		t.Run(v.name, func(t *testing.T) {
			req := tcNodeRequest("g-tc.localhost:8080", v.method, v.target, v.contentType, v.signature)
			req.Body = io.NopCloser(strings.NewReader(v.body))
			req.ContentLength = int64(len(v.body))
			res, refusal, ok := sendAndVerify(t, TC3{}, keys, req)
			if !ok {
				t.Fatalf("refused: %s", refusal)
			}
			if res.AccessKey != "AK" || res.Service != "g-tc" {
				t.Errorf("result %+v", res)
			}
			for _, tc := range []struct {
				host string
				want *errcode.Condition
			}{
				{"g-tc.localhost", nil},      // what was signed, as sent
				{"g-tc.localhost:9090", nil}, // the same host on another port
				{"G-TC.localhost:8080", nil}, // TC3 lower-cases header values
				{"g-tc.localhost.:8080", errcode.SignatureMismatch},
				{"g-jd.localhost:8080", errcode.SignatureMismatch}, // another group
				{"g-tc.localhost:8080:80", errcode.SignatureMismatch},
				{"evil.example:8080", errcode.SignatureMismatch},
			} {
				_, err := TC3{}.Verify(tcNodeRequest(tc.host, v.method, v.target, v.contentType, v.signature), []byte(v.body), keys)
				if condOf(err) != tc.want {
					t.Errorf("Host %q: err = %v, want %v", tc.host, err, tc.want)
				}
			}
		})
	}

	// A signature over the host with its port (Tencent's Go SDK) does not
	// serve another port: stripping the port of the request's Host
	// gives the bare host, which was not signed either.
	r := rawRequest("GET", "g-tc.localhost:8080", "/users/1", "")
	if err := (TC3{}).Sign(r, nil, Signing{AccessKey: "AK", Secret: []byte("secret-AK"), Time: time.Unix(1700000000, 0), Service: "g-tc"}); err != nil {
		t.Fatal(err)
	}
	r.Host = "g-tc.localhost:9090"
	if _, err := (TC3{}).Verify(r, nil, keys); condOf(err) != errcode.SignatureMismatch {
		t.Errorf("host:port signature on another port: %v, want a mismatch", err)
	}
}

// TestCandidatesTried counts the canonical requests a verification may
// hash for requests of each shape: the first candidate alone when no other
// form differs, and never more than the list's length.
func TestCandidatesTried(t *testing.T) {
	tests := []struct {
		name   string
		f      *family
		host   string
		path   string
		query  string
		signed string
		want   int
	}{
		{"JDCLOUD2 sorted query", &jdcloud2, "h", "/a", "a=1&b=2", "x-jdcloud-date;x-jdcloud-nonce", 1},
		{"JDCLOUD2 unsorted, same names either way", &jdcloud2, "h", "/a", "b=2&a=1", "x-jdcloud-date;x-jdcloud-nonce", 2},
		{"JDCLOUD2 names that sort otherwise decoded", &jdcloud2, "h", "/a", "%E5%90%8D=1&x=%C3%A9&b=1", "x-jdcloud-date;x-jdcloud-nonce", 3},
		{"JDCLOUD2 sent in the decoded order", &jdcloud2, "h", "/a", "a-=1&a%2F=2", "x-jdcloud-date;x-jdcloud-nonce", 2},
		{"JDCLOUD3", &jdcloud3, "h:1", "/a", "b=2&a=1", "host", 1},
		{"TC3 no port", &tc3, "h", "/", "", "content-type;host", 1},
		{"TC3 port", &tc3, "h:8080", "/", "", "content-type;host", 2},
		{"TC3 port, host unsigned", &tc3, "h:8080", "/", "", "content-type", 1},
		{"TC3 port, unsorted query", &tc3, "h:8080", "/", "b=1&a=2", "content-type;host", 3},
		{"AWS4 plain", &aws4, "h", "/a", "a=1", "host;x-amz-date", 1},
		{"AWS4 path to encode", &aws4, "h", "/a:b", "a=1", "host;x-amz-date", 2},
		{"AWS4 path to encode, unsorted", &aws4, "h", "/a:b", "b=1&a=1", "host;x-amz-date", 4},
		{"AWS4 path with %", &aws4, "h", "/a%20b", "b=1&a=1", "host;x-amz-date", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rawRequest("GET", tc.host, tc.path, tc.query)
			s := new(scratch)
			s.headers = appendCanonicalHeaders(nil, r, tc.signed, tc.f.value, requestHost(r))
			s.queries[0] = s.qb.appendSortedQuery(nil, tc.query, tc.f.jd3Query)
			it := candidateHashes{f: tc.f, r: r, s: s, signed: tc.signed, nuri: tc.f.appendURIs(s, tc.path, "svc")}
			seen := map[[32]byte]bool{}
			n := 0
			var h [32]byte
			for it.nextHash(&h) {
				if seen[h] {
					t.Errorf("candidate %d repeats an earlier canonical request", n)
				}
				seen[h] = true
				n++
			}
			if n != tc.want || n > len(tc.f.candidates) {
				t.Errorf("%d candidates hashed, want %d", n, tc.want)
			}
		})
	}
}

func TestHostWithoutPort(t *testing.T) {
	for in, want := range map[string]string{
		"a.example:8080": "a.example", "a.example": "a.example", "a.example:": "a.example:",
		"[::1]:80": "[::1]", "[::1]": "[::1]", "::1": "::1", "fe80::1:80": "fe80::1:80",
		":80": ":80", "a:b:80": "a:b:80", "a.example:8x": "a.example:8x", "[::1:80": "[::1:80",
	} {
		if got := hostWithoutPortOf(in); got != want {
			t.Errorf("hostWithoutPortOf(%q) = %q, want %q", in, got, want)
		}
	}
}

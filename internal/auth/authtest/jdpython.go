// Package authtest signs requests the way real clients that cannot run
// here sign them, for the tests of internal/auth and internal/gateway.
//
// JD Cloud's Python SDK is not installable on this machine (PyPI is not a
// reachable registry), so its JDCLOUD3 signer is written out again in Go
// below, step by step from its source, rather than run.
package authtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"github.com/tollgate-gw/tollgate/internal/percent"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// JDPythonVersion is the SDK version whose signer SignJDPython follows.
const JDPythonVersion = "jdcloud-sdk-python 1.6.95+ (jdcloud_sdk/core/signer.py, Signer.signV3)"

// SignJDPython signs req, whose body is body, as JD Cloud's Python SDK
// (1.6.95 and later) signs JDCLOUD3-HMAC-SHA256 calls, and sets every
// header that SDK sends with it. The host signed is req.Host, or the URL's
// when that is empty, as the SDK signs the host of the URL it sends to.
//
// What the SDK does, in order (JDCloudClient.send, then Signer.signV3):
//
//   - its headers before signing are User-Agent
//     ("JdcloudSdkPython/<version> <service>/<revision>") and Content-Type
//     ("application/json"), plus any the caller gave;
//   - the signed headers are "host" and every header it has then, but
//     authorization and user-agent: so x-jdcloud-date and x-jdcloud-nonce,
//     set only after signing, are not signed ("content-type;host");
//   - host is the URL's host, with ":port" unless the port is 80 or 443;
//     values are stripped of surrounding white space;
//   - the canonical URI is the path '+'-and-%-decoded, runs of '/'
//     collapsed, encoded again keeping '/' and '~' (Python's quote);
//   - the canonical query: each '&'-piece split at every '=', each part
//     decoded and encoded again; pieces sorted as lists; pieces with an
//     empty name dropped; "name=value" for two parts; a piece with a
//     single part (no '=') is dropped, one with more than two parts is
//     written as its parts after the first joined by "%3D" (the SDK loses
//     its name): the tests do not send either;
//   - the payload hash is the SHA-256 of the body (of "" for a GET);
//   - the date is "%Y%m%dT%H%M%SZ" of now, UTC; the nonce a UUID;
//   - after signing it sets Authorization, x-jdcloud-date,
//     x-jdcloud-content-sha256, a header named "JDCLOUD3-HMAC-SHA256"
//     whose value is the same, and x-jdcloud-nonce.
func SignJDPython(req *http.Request, body []byte, accessKey, secret, region, service string, now time.Time, nonce string) {
	// The host the SDK signs is its URL's, which is also the Host header
	// it sends; a test that sends to 127.0.0.1 with another Host header
	// (req.Host) stands for a URL naming that host.
	u := req.URL
	hp := u.Host
	if req.Host != "" {
		hp = req.Host
	}
	host, port := hp, ""
	if i := strings.LastIndexByte(hp, ':'); i >= 0 && !strings.Contains(hp[i:], "]") {
		host, port = hp[:i], hp[i+1:]
	}
	if port != "" && port != "80" && port != "443" {
		host += ":" + port
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "JdcloudSdkPython/1.6.95 "+service+"/v1")
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	date := now.UTC().Format("20060102T150405Z")

	names := []string{"host"}
	values := map[string]string{"host": strings.TrimSpace(host)}
	for k, v := range req.Header {
		lk := strings.ToLower(k)
		if lk == "authorization" || lk == "user-agent" {
			continue
		}
		names = append(names, lk)
		values[lk] = strings.TrimSpace(v[0])
	}
	slices.Sort(names)
	var headers strings.Builder
	for _, n := range names {
		headers.WriteString(n + ":" + values[n] + "\n")
	}
	signed := strings.Join(names, ";")

	payload := sha256Hex(string(body))
	canonical := req.Method + "\n" + pythonCanonicalURI(u.EscapedPath()) + "\n" + pythonCanonicalQuery(u.RawQuery) + "\n" +
		headers.String() + "\n" + signed + "\n" + payload
	scope := date[:8] + "/" + region + "/" + service + "/jdcloud3_request"
	sts := "JDCLOUD3-HMAC-SHA256\n" + date + "\n" + scope + "\n" + sha256Hex(canonical)
	k := hmacSHA256([]byte("JDCLOUD3"+secret), date[:8])
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "jdcloud3_request")
	sig := hex.EncodeToString(hmacSHA256(k, sts))

	req.Header.Set("Authorization", "JDCLOUD3-HMAC-SHA256 Credential="+accessKey+"/"+scope+
		", SignedHeaders="+signed+", Signature="+sig)
	req.Header.Set("x-jdcloud-date", date)
	req.Header.Set("x-jdcloud-content-sha256", payload)
	req.Header.Set("JDCLOUD3-HMAC-SHA256", "JDCLOUD3-HMAC-SHA256")
	req.Header.Set("x-jdcloud-nonce", nonce)
}

// pythonCanonicalURI is Signer.__build_canonical_uri.
func pythonCanonicalURI(p string) string {
	d := unquotePlus(p)
	for strings.Contains(d, "//") {
		d = strings.ReplaceAll(d, "//", "/")
	}
	if d == "" {
		return "/"
	}
	e := pythonQuote(d, "/~")
	if !strings.HasPrefix(e, "/") {
		e = "/" + e
	}
	return e
}

// pythonCanonicalQuery is Signer.__normalize_query_string for a string.
func pythonCanonicalQuery(q string) string {
	var params [][]string
	for _, s := range strings.Split(q, "&") {
		if s == "" {
			continue
		}
		var parts []string
		for _, v := range strings.Split(s, "=") {
			parts = append(parts, pythonQuote(unquotePlus(v), "~"))
		}
		params = append(params, parts)
	}
	slices.SortFunc(params, slices.Compare[[]string])
	var out []string
	for _, p := range params {
		switch {
		case p[0] == "":
		case len(p) == 2:
			out = append(out, p[0]+"="+p[1])
		case len(p) > 2:
			out = append(out, strings.Join(p[1:], "%3D"))
		}
	}
	return strings.Join(out, "&")
}

// unquotePlus is Python's urllib.parse.unquote_plus: '+' is a space, valid
// %XX escapes decode, the bytes are read as UTF-8 with each bad sequence
// replaced by U+FFFD.
func unquotePlus(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && percent.IsHex(s[i+1]) && percent.IsHex(s[i+2]):
			v, _ := hex.DecodeString(s[i+1 : i+3])
			b = append(b, v[0])
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), string(utf8.RuneError))
}

// pythonQuote is Python 3's urllib.parse.quote(s, safe): UTF-8 bytes,
// letters, digits, "_.-~" and the safe characters kept, every other byte
// %XX in upper case.
func pythonQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~", c) >= 0 ||
			c < utf8.RuneSelf && strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

package auth

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// canonicalBytes reports whether b holds only what a canonical path or
// query may: unreserved characters, the separators given, and escapes
// with upper-case hex.
func canonicalBytes(b []byte, separators string) bool {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case unreserved(c) || strings.IndexByte(separators, c) >= 0:
		case c == '%' && i+2 < len(b) && strings.IndexByte(upperHex, b[i+1]) >= 0 && strings.IndexByte(upperHex, b[i+2]) >= 0:
			i += 2
		default:
			return false
		}
	}
	return true
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	f.Add("TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")
	f.Add("AWS4-HMAC-SHA256 Signature=00,Credential=a/b/c/d/e,SignedHeaders=a")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Credential=a/b/c/d/e")
	f.Fuzz(func(t *testing.T, h string) {
		for _, tc := range []struct {
			algorithm string
			regional  bool
		}{{"AWS4-HMAC-SHA256", true}, {"TC3-HMAC-SHA256", false}} {
			c, err := parseAuthorization(h, tc.algorithm, tc.regional)
			if err != nil {
				if err.Cond == nil {
					t.Fatalf("error without a condition: %v", err)
				}
				continue
			}
			if c.AccessKey == "" || !validSignedHeaders(c.SignedHeaders) || c.Date == "" || c.Service == "" || c.Terminator == "" {
				t.Fatalf("accepted %q as %+v", h, c)
			}
			if !strings.HasPrefix(c.Scope, c.Date+"/") || !strings.HasSuffix(c.Scope, "/"+c.Terminator) {
				t.Fatalf("scope %q does not hold its parts %+v", c.Scope, c)
			}
			// What was accepted, written out again, parses to the same.
			again := tc.algorithm + " Credential=" + c.AccessKey + "/" + c.Scope + ", SignedHeaders=" + c.SignedHeaders +
				", Signature=" + string(bytes.ToLower([]byte(hexString(c.Signature[:]))))
			c2, err := parseAuthorization(again, tc.algorithm, tc.regional)
			if err != nil || c2 != c {
				t.Fatalf("%q parsed to %+v; written out again %q parsed to %+v, %v", h, c, again, c2, err)
			}
		}
	})
}

func hexString(b []byte) string {
	var s []byte
	for _, c := range b {
		s = append(s, upperHex[c>>4], upperHex[c&15])
	}
	return string(s)
}

func FuzzCanonicalURI(f *testing.F) {
	for _, p := range []string{"", "/", "v1", "//a//b/", "/a%2Fb", "/%2/%2f/%2b%f", "/ሴ", "/a b+c", "/%zz%", "%%%25"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		jd := appendJD3Path(nil, p)
		if len(jd) == 0 || jd[0] != '/' || bytes.Contains(jd, []byte("//")) || !canonicalBytes(jd, "/") {
			t.Fatalf("appendJD3Path(%q) = %q", p, jd)
		}
		if again := appendJD3Path(nil, string(jd)); !bytes.Equal(again, jd) {
			t.Fatalf("appendJD3Path is not idempotent: %q → %q → %q", p, jd, again)
		}
		enc := appendPathEncoded(nil, p)
		if !canonicalBytes(enc, "/") {
			t.Fatalf("appendPathEncoded(%q) = %q", p, enc)
		}
		// Encoding again loses nothing: decoding gives the path back.
		if p != "" && string(appendUnescaped(nil, string(enc), false)) != p {
			t.Fatalf("appendPathEncoded(%q) = %q does not decode back", p, enc)
		}
	})
}

func FuzzCanonicalQuery(f *testing.F) {
	for _, q := range []string{"", "a=1&b=2", "b=2&a=1", "%E5%90%8D=1&x=%C3%A9", "a%2F=1&a-=2&a%3A&a0", "%EF%BC%A1=1&%F0%9F%98%80=2&%FF=3", "=a&a=a", "aa%3Daa=&aa=", " =blank&%20=blank&+= 2&%2b= 1", "%2=x&%zz", "a&&b=&=", "ሴ=bar"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var qb queryBuilder
		for _, dropNameless := range []bool{false, true} {
			out := qb.appendSortedQuery(nil, raw, dropNameless)
			if !canonicalBytes(out, "&=") {
				t.Fatalf("appendSortedQuery(%q) = %q", raw, out)
			}
			if again := qb.appendSortedQuery(nil, string(out), dropNameless); !bytes.Equal(again, out) {
				t.Fatalf("not idempotent: %q → %q → %q", raw, out, again)
			}
			// Every parameter is kept (bar the nameless, when dropped).
			want := 0
			for _, piece := range strings.Split(raw, "&") {
				name, _, _ := strings.Cut(piece, "=")
				if piece != "" && !(dropNameless && name == "") {
					want++
				}
			}
			if got := len(qb.pairs); got != want {
				t.Fatalf("appendSortedQuery(%q) kept %d parameters, want %d", raw, got, want)
			}
			// jdcloud-sdk-js's order is the same parameters in another
			// order: canonical, the same pieces, and stable.
			qb.appendSortedQuery(nil, raw, dropNameless)
			js := qb.appendDecodedOrder(nil)
			if !canonicalBytes(js, "&=") || len(js) != len(out) {
				t.Fatalf("appendDecodedOrder(%q) = %q, sorted %q", raw, js, out)
			}
			a, b := strings.Split(string(js), "&"), strings.Split(string(out), "&")
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Fatalf("appendDecodedOrder(%q) = %q holds other parameters than %q", raw, js, out)
			}
			qb.appendSortedQuery(nil, string(js), dropNameless)
			if again := qb.appendDecodedOrder(nil); !bytes.Equal(again, js) {
				t.Fatalf("appendDecodedOrder not stable: %q → %q → %q", raw, js, again)
			}
		}
	})
}

func FuzzTencentV1Params(f *testing.F) {
	f.Add(tencentV1ExampleQuery, "")
	f.Add("SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1&Nonce=1&Signature=%3D%3D%3D", "Action=X")
	f.Add("", "SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1&Nonce=1&SignatureMethod=HmacSHA256&Signature=QUFB")
	f.Fuzz(func(t *testing.T, query, body string) {
		r := rawRequest("POST", "cvm.tencentcloudapi.com", "/", query)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := TencentV1{}.Verify(r, []byte(body), tencentV1Keys)
		if err != nil && condOf(err) == nil {
			t.Fatalf("error without a condition: %v", err)
		}
		if err == nil && (res.AccessKey == "" || res.Nonce == "") {
			t.Fatalf("accepted %q / %q as %+v", query, body, res)
		}
	})
}

func FuzzZenith(f *testing.F) {
	f.Add("accesskey_id=ZK&expires=1700000900&signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D&a=1", "1B2M2Y8AsgTpgAmY7PhCfg==")
	f.Add("accesskey_id=ZK&expires=-1&signature=x", "")
	f.Fuzz(func(t *testing.T, query, contentMD5 string) {
		r := rawRequest("PUT", "vision.example.com", "/v1/x", query)
		if contentMD5 != "" {
			r.Header.Set("Content-MD5", contentMD5)
		}
		_, err := Zenith{}.Verify(r, []byte("body"), keyring{"ZK": {[]byte("zsecret")}})
		if err != nil && condOf(err) == nil {
			t.Fatalf("error without a condition: %v", err)
		}
	})
}

func FuzzMarketAppKey(f *testing.F) {
	f.Add("appkey=app1&timestamp=1700000000123&sign=0123456789abcdef0123456789ABCDEF")
	f.Fuzz(func(t *testing.T, query string) {
		_, err := MarketAppKey{}.Verify(rawRequest("GET", "m", "/", query), nil, keyring{"app1": {[]byte("s")}})
		if err != nil && condOf(err) == nil {
			t.Fatalf("error without a condition: %v", err)
		}
	})
}

func FuzzHostWithoutPort(f *testing.F) {
	for _, h := range []string{"a.example:8080", "[::1]:80", "::1", "a:", ":1", "[::1:80", "a.example"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, host string) {
		bare := hostWithoutPortOf(host)
		if bare == host {
			return
		}
		// Only a ":digits" suffix is ever taken off, and what is left is
		// a name or a bracketed literal with no port of its own.
		port, ok := strings.CutPrefix(host, bare+":")
		if !ok || port == "" || strings.Trim(port, "0123456789") != "" || bare == "" {
			t.Fatalf("hostWithoutPortOf(%q) = %q", host, bare)
		}
		if hostWithoutPortOf(bare) != bare && !strings.HasPrefix(bare, "[") {
			t.Fatalf("hostWithoutPortOf(%q) = %q, which has a port again", host, bare)
		}
	})
}

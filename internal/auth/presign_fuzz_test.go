package auth

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// FuzzParsePresignedQuery feeds the presigned URL parser any query: it must
// not panic, must refuse with a condition, and what it accepts must hold
// together (one of each parameter, a valid scope and SignedHeaders, an
// expiry of 1 s to 7 days, a date that formats back to itself) and be
// read the same once written out again. The canonical query built beside
// it never holds X-Amz-Signature, however the name is escaped.
func FuzzParsePresignedQuery(f *testing.F) {
	good := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240517%2Fcn-north-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20240517T103000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host" +
		"&X-Amz-Signature=e936b7fa159ced77af303bb213711ea0e3e8cefbc404bfb197de1d4580a018b3"
	for _, q := range []string{
		good,
		"a=1&" + good + "&X-Amz-Security-Token=tok%2Fen",
		good + "&X-Amz-Signature=00",
		strings.Replace(good, "X-Amz-Date", "X-Amz%2DDate", 1),
		strings.Replace(good, "300", "604801", 1),
		strings.Replace(good, "300", "0", 1),
		strings.Replace(good, "host", "content-type%3Bhost", 1),
		"X-Amz-Algorithm=AWS4-HMAC-SHA256",
		"X-Amz-Signature=&X-Amz-Credential=%2F",
		"",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parsePresignedQuery(raw, aws4.algorithm, true)
		var qb queryBuilder
		qb.add(raw, paramForm{reescape: true, drop: presignDropped[:]})
		canonical := string(qb.appendSorted(nil))
		for _, p := range strings.Split(canonical, "&") {
			if name, _, _ := strings.Cut(p, "="); name == presignSignature {
				t.Fatalf("canonical query of %q holds the signature: %q", raw, canonical)
			}
		}
		if err != nil {
			if err.Cond == nil {
				t.Fatalf("error without a condition: %v", err)
			}
			if err.Cond == errcode.SignatureMismatch {
				t.Fatalf("the parser judged a signature: %v", err)
			}
			return
		}
		if q.AccessKey == "" || q.Region == "" || q.Service == "" || q.Terminator == "" || !validSignedHeaders(q.SignedHeaders) {
			t.Fatalf("accepted %q as %+v", raw, q)
		}
		if q.Expires < time.Second || q.Expires > MaxPresignExpires || q.Expires%time.Second != 0 {
			t.Fatalf("accepted %q with expiry %v", raw, q.Expires)
		}
		if q.SignedAt.Format(sigV4Time) != q.Date {
			t.Fatalf("accepted %q with date %q read as %v", raw, q.Date, q.SignedAt)
		}
		again := url.Values{
			presignAlgorithm:     {aws4.algorithm},
			presignCredential:    {q.AccessKey + "/" + q.Scope},
			presignDate:          {q.Date},
			presignExpires:       {strconv.Itoa(int(q.Expires / time.Second))},
			presignSignedHeaders: {q.SignedHeaders},
			presignSignature:     {hexString(q.Signature[:])},
		}.Encode()
		q2, err := parsePresignedQuery(again, aws4.algorithm, true)
		if err != nil || q2.credential != q.credential || q2.Date != q.Date || q2.Expires != q.Expires {
			t.Fatalf("%q parsed to %+v; written out again %q parsed to %+v, %v", raw, q, again, q2, err)
		}
	})
}

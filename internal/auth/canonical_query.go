package auth

import (
	"bytes"
	"cmp"
	"github.com/tollgate-gw/tollgate/internal/percent"
	"slices"
	"strings"
	"unicode/utf8"
)

// A queryPair locates one encoded parameter in a queryBuilder's buffer.
type queryPair struct{ k0, k1, v1 int }

// queryBuilder builds sorted canonical query strings; it is kept in a pool
// with the rest of a verification's scratch space so that a request costs
// no allocation once the pool is warm.
type queryBuilder struct {
	buf   []byte // every encoded name and value, back to back
	pairs []queryPair
	// nameA and nameB hold two decoded names being compared
	// (appendDecodedOrder).
	nameA, nameB []byte
}

// appendSortedQuery appends the SigV4 canonical query string of raw, the
// query as sent: each "name=value" (a lone "name" has an empty value) is
// decoded leniently, with '+' as a space, and encoded again with the
// RFC 3986 unreserved set; the pairs are sorted by encoded name, then by
// encoded value, and joined with '&'. Empty pieces ("a=1&&b=2") are
// skipped. With dropNameless, parameters with an empty name are left out,
// as JD's JDCLOUD3 signer leaves them out; SigV4 keeps them.
//
// The result does not depend on how the client chose to escape its query
// (which characters, upper- or lower-case hex, '+' or "%20"), and keeps
// every parameter: two parameters that differ only in escaping are two
// entries, not one.
func (qb *queryBuilder) appendSortedQuery(dst []byte, raw string, dropNameless bool) []byte {
	qb.reset()
	qb.add(raw, paramForm{reescape: true, dropNameless: dropNameless})
	return qb.appendSorted(dst)
}

// paramForm says how queryBuilder.add treats parameters.
type paramForm struct {
	// reescape encodes names and values again after decoding them;
	// otherwise they stay decoded (Tencent v1 signs raw values).
	reescape bool
	// dropNameless leaves out parameters with an empty name.
	dropNameless bool
	// drop leaves out the parameters with these names (unreserved ASCII,
	// so the same encoded or not).
	drop []string
}

// drops reports whether name is one of form.drop.
func (form paramForm) drops(name []byte) bool {
	for _, d := range form.drop {
		if string(name) == d {
			return true
		}
	}
	return false
}

func (qb *queryBuilder) reset() { qb.buf, qb.pairs = qb.buf[:0], qb.pairs[:0] }

// add adds the parameters of raw, an urlencoded query or form body.
func (qb *queryBuilder) add(raw string, form paramForm) {
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		k0 := len(qb.buf)
		qb.buf = appendParam(qb.buf, name, form.reescape)
		k1 := len(qb.buf)
		if form.dropNameless && k1 == k0 || form.drops(qb.buf[k0:k1]) {
			qb.buf = qb.buf[:k0]
			continue
		}
		qb.buf = appendParam(qb.buf, value, form.reescape)
		qb.pairs = append(qb.pairs, queryPair{k0, k1, len(qb.buf)})
	}
}

func appendParam(dst []byte, s string, reescape bool) []byte {
	if reescape {
		return appendReescaped(dst, s, true)
	}
	return appendUnescaped(dst, s, true)
}

// appendSorted appends the parameters added, sorted by name then value, as
// name=value pairs joined by '&'.
func (qb *queryBuilder) appendSorted(dst []byte) []byte {
	buf := qb.buf
	slices.SortFunc(qb.pairs, func(a, b queryPair) int {
		if c := bytes.Compare(buf[a.k0:a.k1], buf[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(buf[a.k1:a.v1], buf[b.k1:b.v1])
	})
	return qb.appendPairs(dst)
}

// appendPairs appends the pairs in their current order, as name=value
// joined by '&'.
func (qb *queryBuilder) appendPairs(dst []byte) []byte {
	buf := qb.buf
	for i, p := range qb.pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, buf[p.k0:p.k1]...)
		dst = append(dst, '=')
		dst = append(dst, buf[p.k1:p.v1]...)
	}
	return dst
}

// appendDecodedOrder appends the parameters already added (with reescape),
// sorted as jdcloud-sdk-js sorts them: by name decoded, comparing UTF-16
// code units as JavaScript's sort does, then by encoded value; written
// encoded, name=value joined by '&'. Names in the buffer are in the
// canonical encoding, so decoding them is exact.
func (qb *queryBuilder) appendDecodedOrder(dst []byte) []byte {
	buf := qb.buf
	slices.SortFunc(qb.pairs, func(a, b queryPair) int {
		qb.nameA = appendDecodedCanonical(qb.nameA[:0], buf[a.k0:a.k1])
		qb.nameB = appendDecodedCanonical(qb.nameB[:0], buf[b.k0:b.k1])
		if c := compareUTF16(qb.nameA, qb.nameB); c != 0 {
			return c
		}
		return bytes.Compare(buf[a.k1:a.v1], buf[b.k1:b.v1])
	})
	return qb.appendPairs(dst)
}

// appendDecodedCanonical appends enc, a string in the canonical encoding
// (unreserved bytes and %XX escapes), decoded.
func appendDecodedCanonical(dst, enc []byte) []byte {
	for i := 0; i < len(enc); i++ {
		if enc[i] == '%' && i+2 < len(enc) {
			dst = append(dst, percent.Unhex(enc[i+1])<<4|percent.Unhex(enc[i+2]))
			i += 2
			continue
		}
		dst = append(dst, enc[i])
	}
	return dst
}

// compareUTF16 compares the UTF-8 strings a and b as JavaScript compares
// strings: by UTF-16 code units. That is code point order but for the
// characters U+E000 to U+FFFF, which sort after every character beyond
// U+FFFF (whose surrogates are D800 to DFFF). A byte that is not UTF-8
// counts as U+FFFD, as Node's decoder makes it.
func compareUTF16(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if ra != rb {
			return cmp.Compare(utf16Rank(ra), utf16Rank(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Rank maps a code point to a number that orders as its UTF-16 form.
func utf16Rank(r rune) rune {
	if 0xE000 <= r && r <= 0xFFFF {
		return r + 0x100000 // after U+10FFFF
	}
	return r
}

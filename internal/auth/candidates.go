package auth

import (
	"crypto/sha256"
	"net/http"
)

// A SigV4-family signature is an HMAC of one canonical request, and real
// clients do not all build the same one: some sign the query in the order
// they send it, some sort it before encoding it, some sign the host without
// its port. The verifier tries, in order, each canonical request a client
// of the scheme is known to build: a candidate. This file is the one place
// that lists them, per scheme, each with the client that needs it
// (docs/auth.md has the same table).
//
// Candidates never widen what a signature covers: every form denotes the
// same method, path, parameters, headers and body, so a signature made for
// one request can never be taken for another. They cost only on a request
// whose first candidate fails: each is built, hashed and HMACed lazily,
// only when all before it have failed, and a candidate whose canonical
// request is byte for byte one already tried is skipped.

// uriChoice is a candidate's canonical URI.
type uriChoice uint8

const (
	// uriNormative is the scheme's own form (family.uri).
	uriNormative uriChoice = iota
	// uriPathAsSent is the path exactly as sent, where the scheme allows
	// it besides the normative form (AWS4 without a '%' in the path, see
	// family.appendURIs); elsewhere it is the normative form.
	uriPathAsSent
)

// queryChoice is a candidate's canonical query.
type queryChoice uint8

const (
	// querySorted is the normative form: each name and value decoded,
	// encoded again with the unreserved set, sorted by encoded name, then
	// encoded value (JDCLOUD3: nameless parameters dropped).
	querySorted queryChoice = iota
	// queryAsSent is the raw query, in the order and escaping sent.
	queryAsSent
	// queryDecodedOrder is querySorted's pairs sorted by decoded name (in
	// UTF-16 code unit order, as JavaScript's Array.prototype.sort
	// compares strings), then by encoded value.
	queryDecodedOrder
)

// hostChoice is a candidate's value of a signed host header.
type hostChoice uint8

const (
	// hostAsSent is the Host header as sent, port included.
	hostAsSent hostChoice = iota
	// hostWithoutPort is the Host header without its ":port", when it has
	// one and host is signed; elsewhere it is hostAsSent.
	hostWithoutPort
)

// candidate is one canonical request a client may have built.
type candidate struct {
	uri   uriChoice
	query queryChoice
	host  hostChoice
}

// maxCandidates bounds every list below.
const maxCandidates = 4

// aws4Candidates are AWS4-HMAC-SHA256's.
var aws4Candidates = []candidate{
	// The normative form: the path encoded again (as sent for s3), the
	// sorted query. aws-sdk-go-v2, botocore, every AWS SDK.
	{uriNormative, querySorted, hostAsSent},
	// curl 7.88 --aws-sigv4: the path and the query exactly as sent. For
	// a path holding '%' (and a service other than s3) this is the
	// normative path with the query as sent: curl is then refused, see
	// docs/auth.md.
	{uriPathAsSent, queryAsSent, hostAsSent},
	// curl 7.88 with the service s3, whose normative path is the path as
	// sent: the query as sent.
	{uriNormative, queryAsSent, hostAsSent},
	// The path as sent with the sorted query. No client is known to need
	// it; Tollgate accepted it before candidates were listed, and it is
	// kept so that no caller served today is refused.
	{uriPathAsSent, querySorted, hostAsSent},
}

// jdcloud2Candidates are JDCLOUD2-HMAC-SHA256's.
var jdcloud2Candidates = []candidate{
	// The sorted query: JD's gateway-side signer, its Java, Python and Rust
	// SDKs, `tollgate call`.
	{uriNormative, querySorted, hostAsSent},
	// The query as sent: JD's Go SDK signs its raw query.
	{uriNormative, queryAsSent, hostAsSent},
	// jdcloud-sdk-js (1.2.x, src/lib/util.js queryParamsToString): the
	// query parsed and decoded by Node's querystring, the names sorted
	// decoded, then encoded; the values of a repeated name encoded, then
	// sorted. It differs from the sorted form only when names sort
	// otherwise once encoded: "名" and "x", "a/" and "a-", "a:" and "a0".
	{uriNormative, queryDecodedOrder, hostAsSent},
}

// jdcloud3Candidates are JDCLOUD3-HMAC-SHA256's: only the normative form,
// which every JD signer of the scheme (Java, Go, Python, the 31 published
// cases) builds.
var jdcloud3Candidates = []candidate{
	{uriNormative, querySorted, hostAsSent},
}

// tc3Candidates are TC3-HMAC-SHA256's.
var tc3Candidates = []candidate{
	// The sorted query, the host as sent: Tencent's documents, its Go
	// and Python SDKs.
	{uriNormative, querySorted, hostAsSent},
	// The query as sent: signers that sign their query verbatim.
	{uriNormative, queryAsSent, hostAsSent},
	// tencentcloud-sdk-nodejs-common (4.x, common/sign.js): the query as
	// sent and the URL's hostname, without the port. Only tried when the
	// Host header has a port; the port never chooses the group (routing
	// ignores it), so this lets one signature serve only the same group
	// on another port of the gateway.
	{uriNormative, queryAsSent, hostWithoutPort},
}

// candidateHashes hands out, one at a time and only when asked, the hash of
// each distinct canonical request of a family's candidates.
type candidateHashes struct {
	f      *family
	r      *http.Request
	s      *scratch
	signed string // the client's SignedHeaders
	nuri   int    // canonical URIs in s.uri (appendURIs)
	next   int    // the next candidate of f.candidates to look at
	tried  uint16 // bit uriIndex*6 + queryIndex*2 + hostIndex of each tried
	// rawQuery, decodedOrder and hostless say whether that form has been
	// looked at (bit 0) and whether it differs from every earlier form
	// (bit 1): then it lives in s.queries[1], s.queries[2], s.hostless.
	rawQuery, decodedOrder, hostless uint8
	decodedOrderIs                   uint8 // queries index decodedOrder resolved to
}

// nextHash puts the hash of the next candidate's canonical request into h
// and reports whether there was one.
func (it *candidateHashes) nextHash(h *[sha256.Size]byte) bool {
	s := it.s
	for it.next < len(it.f.candidates) {
		cand := it.f.candidates[it.next]
		it.next++
		u, q, hs := it.uriIndex(cand.uri), it.queryIndex(cand.query), it.hostIndex(cand.host)
		bit := uint16(1) << (u*6 + q*2 + hs)
		if it.tried&bit != 0 {
			continue
		}
		it.tried |= bit
		headers := s.headers
		if hs == 1 {
			headers = s.hostless
		}
		s.req = it.f.appendCanonicalRequest(s.req[:0], it.r.Method, s.uri[u], s.queries[q], headers, it.signed, s.payload)
		*h = sha256.Sum256(s.req)
		return true
	}
	return false
}

func (it *candidateHashes) uriIndex(c uriChoice) int {
	if c == uriPathAsSent && it.nuri == 2 {
		return 1
	}
	return 0
}

// queryIndex returns the index in s.queries of the query form c, built
// the first time it is asked for; a form identical to an earlier one
// resolves to that one's index.
func (it *candidateHashes) queryIndex(c queryChoice) int {
	s := it.s
	switch c {
	case queryAsSent:
		if it.rawQuery == 0 {
			it.rawQuery = 1
			if raw := it.r.URL.RawQuery; raw != string(s.queries[0]) {
				s.queries[1] = append(s.queries[1][:0], raw...)
				it.rawQuery = 3
			}
		}
		if it.rawQuery == 3 {
			return 1
		}
	case queryDecodedOrder:
		if it.decodedOrder == 0 {
			it.decodedOrder = 1
			// s.qb still holds the pairs of the sorted query.
			s.queries[2] = s.qb.appendDecodedOrder(s.queries[2][:0])
			switch {
			case string(s.queries[2]) == string(s.queries[0]):
			case string(s.queries[2]) == it.r.URL.RawQuery && it.queryIndex(queryAsSent) == 1:
				it.decodedOrderIs = 1
			default:
				it.decodedOrderIs = 2
			}
		}
		return int(it.decodedOrderIs)
	}
	return 0
}

// hostIndex returns 1 when c is hostWithoutPort and the canonical headers
// with the host stripped of its port differ from those as sent (built into
// s.hostless the first time), else 0.
func (it *candidateHashes) hostIndex(c hostChoice) int {
	if c != hostWithoutPort {
		return 0
	}
	if it.hostless == 0 {
		it.hostless = 1
		host := requestHost(it.r)
		if bare := hostWithoutPortOf(host); bare != host && signs(it.signed, "host") {
			it.s.hostless = appendCanonicalHeaders(it.s.hostless[:0], it.r, it.signed, it.f.value, bare)
			it.hostless = 3
		}
	}
	if it.hostless == 3 {
		return 1
	}
	return 0
}

// hostWithoutPortOf returns host without a trailing ":port" (digits only),
// keeping an IPv6 literal's brackets, as a URL's hostname has it:
// "a.example:8080" → "a.example", "[::1]:80" → "[::1]".
func hostWithoutPortOf(host string) string {
	i := len(host)
	for i > 0 && '0' <= host[i-1] && host[i-1] <= '9' {
		i--
	}
	if i == len(host) || i == 0 || host[i-1] != ':' {
		return host
	}
	bare := host[:i-1]
	if bare == "" || bare[0] == '[' && bare[len(bare)-1] != ']' {
		return host
	}
	if bare[0] != '[' {
		for j := 0; j < len(bare); j++ {
			if bare[j] == ':' {
				return host // an unbracketed IPv6 address: no port to strip
			}
		}
	}
	return bare
}

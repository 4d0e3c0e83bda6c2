package auth

import "sync"

// scratch is the working memory of one verification or signature. It is
// pooled so that verifying a request allocates nothing once the pool is
// warm, whatever the request's size.
type scratch struct {
	uri     [2][]byte // canonical URI forms (uriChoice)
	queries [3][]byte // canonical query forms (queryChoice)
	headers []byte    // canonical headers block
	// hostless is the canonical headers block with the host's port
	// left out (hostWithoutPort).
	hostless []byte
	payload  []byte // payload hash as it goes into the canonical request
	req      []byte // canonical request, or a query scheme's string to sign
	sts      []byte // string to sign
	key      []byte // key material: prefix + secret, or secret + timestamp
	mac      []byte // HMAC work space
	qb       queryBuilder
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooled bounds the buffers returned to the pool, so that one huge
// request does not pin its memory for good.
const maxPooled = 64 << 10

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.req) > maxPooled || cap(s.qb.buf) > maxPooled || cap(s.queries[0]) > maxPooled || cap(s.queries[1]) > maxPooled || cap(s.queries[2]) > maxPooled || cap(s.headers) > maxPooled {
		return
	}
	scratchPool.Put(s)
}

package limit

// nonceSet remembers nonces for at least ttl, in two generations of hash
// sets of 64-bit keyed hashes of (scope, nonce).
//
// A nonce goes into the current generation. When the current generation
// is ttl old it becomes the previous one and the old previous one is
// dropped; a lookup searches both. So a nonce is remembered from ttl to
// 2*ttl after it was seen, never less: a replay within ttl is always
// refused. Memory is the nonces seen in the last two generations, dropped
// a generation at a time without a sweep.
//
// The sets hold hashes, not nonces, so a fresh nonce is refused when its
// hash equals one of the M hashes remembered in its set: with SipHash under
// a secret key the chance is M/2^64 per call, 5.4e-12 with 100 million
// remembered nonces. A replay is never accepted: equal nonces hash equal.
type nonceSet struct {
	ttl       int64 // nanoseconds
	start     int64 // when the current generation began, unix nanoseconds
	prevStart int64 // when the previous one began
	cur, prev map[uint64]struct{}
}

func newNonceSet(ttl, now int64) *nonceSet {
	return &nonceSet{
		ttl:       ttl,
		start:     now,
		prevStart: now,
		cur:       map[uint64]struct{}{},
		prev:      map[uint64]struct{}{},
	}
}

// rotate starts a new generation if the current one is ttl old.
//
// The new current generation is an empty map, not one sized for the last
// generation's traffic: making a map of a million entries writes all of
// its memory at once (tens of milliseconds where page faults are slow,
// 180 ms for 2 Mi entries on the shared VM of docs/benchmarks.md), and the
// insert that rotates would pay for it under the shard's mutex. Grown
// from empty, a map splits one table of at most 1024 slots at a time, so
// no insert pays more than that. Nor is the dropped map cleared and kept:
// clearing keeps a map's peak size, and memory must follow the traffic
// down after a spike.
func (s *nonceSet) rotate(now int64) {
	switch age := now - s.start; {
	case age >= 2*s.ttl:
		// Everything is older than ttl: forget it all.
		s.prev = map[uint64]struct{}{}
		s.cur = map[uint64]struct{}{}
		s.start, s.prevStart = now, now
	case age >= s.ttl:
		s.prev = s.cur
		s.cur = map[uint64]struct{}{}
		s.prevStart, s.start = s.start, now
	}
}

// once records h at now and reports whether it was new.
func (s *nonceSet) once(now int64, h uint64) bool {
	s.rotate(now)
	if _, ok := s.prev[h]; ok {
		return false
	}
	// One probe of the current set rather than a lookup and an insert:
	// the sets are large, and each probe is a likely cache miss. The
	// insert grew the set only if h was new.
	n := len(s.cur)
	s.cur[h] = struct{}{}
	return len(s.cur) > n
}

// empty reports whether the set remembers nothing at now.
func (s *nonceSet) empty(now int64) bool {
	return now-s.start >= 2*s.ttl || len(s.cur)+len(s.prev) == 0
}

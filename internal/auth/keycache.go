package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash/maphash"
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// A SigV4-family signing key depends only on the scheme, the secret, the
// scope's date, region and service (the terminator is the scheme's own):
// four of the five HMACs of a verification. keyCache keeps keys derived for
// requests that verified, so that a client signing many requests in a day
// pays for the derivation once.
//
// The table is bounded: keyCacheSlots slots, each an atomic pointer to an
// immutable entry, two-way set associative (an entry may live in either of
// two slots chosen by its hash), overwritten on a miss. Memory is thus at
// most keyCacheSlots entries, whatever the traffic; a lookup takes no lock
// and allocates nothing; a store allocates one entry.
//
// An entry matches only if every part of its identity is equal: the
// family, the access key, the date, region and service, and the secret
// itself, compared with hmac.Equal. A rotated secret therefore never
// reuses a key derived from the old one, and a hash collision can cost a
// miss but never a wrong key.
//
// Only keys whose signature verified are stored: requests with a valid
// access key but a wrong signature or a made-up scope cannot evict the
// keys of real clients.
type keyCache struct {
	seed  maphash.Seed
	slots [keyCacheSlots]atomic.Pointer[derivedKey]
}

const keyCacheSlots = 4096 // a power of two

// derivedKey is one cached signing key and what it was derived from. It is
// never changed once published.
type derivedKey struct {
	fam                              *family
	accessKey, date, region, service string
	secret                           []byte // a copy
	key                              [sha256.Size]byte
}

// signingKeys is the cache the SigV4 family verifies with.
var signingKeys = newKeyCache()

func newKeyCache() *keyCache { return &keyCache{seed: maphash.MakeSeed()} }

// hash returns the hash of an identity; its two halves choose the slots.
func (kc *keyCache) hash(f *family, secret []byte, c *credential) uint64 {
	var h maphash.Hash
	h.SetSeed(kc.seed)
	h.WriteString(f.algorithm)
	h.WriteByte(0)
	h.WriteString(c.AccessKey)
	h.WriteByte(0)
	h.WriteString(c.Date)
	h.WriteByte(0)
	h.WriteString(c.Region)
	h.WriteByte(0)
	h.WriteString(c.Service)
	h.WriteByte(0)
	h.Write(secret)
	return h.Sum64()
}

// slotsOf returns the two slots an identity of hash h may occupy.
func slotsOf(h uint64) (int, int) {
	const mask = keyCacheSlots - 1
	i, j := int(h&mask), int((h>>32)&mask)
	if j == i {
		j = (i + 1) & mask
	}
	return i, j
}

// matches reports whether e was derived from exactly this identity.
func (e *derivedKey) matches(f *family, secret []byte, c *credential) bool {
	return e != nil && e.fam == f && e.accessKey == c.AccessKey && e.date == c.Date &&
		e.region == c.Region && e.service == c.Service && hmac.Equal(e.secret, secret)
}

// get returns the cached signing key of secret for c's scope under f.
func (kc *keyCache) get(f *family, secret []byte, c *credential, h uint64) ([sha256.Size]byte, bool) {
	i, j := slotsOf(h)
	if e := kc.slots[i].Load(); e.matches(f, secret, c) {
		return e.key, true
	}
	if e := kc.slots[j].Load(); e.matches(f, secret, c) {
		return e.key, true
	}
	return [sha256.Size]byte{}, false
}

// put stores key, derived from secret for c's scope under f: in an empty
// one of its two slots, else in either at random. The strings are copied,
// since c's point into a request's header, and so is the secret.
func (kc *keyCache) put(f *family, secret []byte, c *credential, h uint64, key *[sha256.Size]byte) {
	// The four strings share one copy.
	all := strings.Join([]string{c.AccessKey, c.Date, c.Region, c.Service}, "")
	a, d, r := len(c.AccessKey), len(c.AccessKey)+len(c.Date), len(c.AccessKey)+len(c.Date)+len(c.Region)
	e := &derivedKey{
		fam:       f,
		accessKey: all[:a],
		date:      all[a:d],
		region:    all[d:r],
		service:   all[r:],
		secret:    append([]byte(nil), secret...),
		key:       *key,
	}
	i, j := slotsOf(h)
	switch {
	case kc.slots[i].Load() == nil:
	case kc.slots[j].Load() == nil:
		i = j
	case rand.Uint32()&1 == 1:
		i = j
	}
	kc.slots[i].Store(e)
}

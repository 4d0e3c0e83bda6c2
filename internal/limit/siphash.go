package limit

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// sipKey is a 128-bit SipHash-2-4 key. The nonce sets are keyed by
// SipHash rather than hash/maphash because the key must outlive the
// process: the journal and the snapshot store nonce hashes, and a restart
// must find them again (a maphash.Seed cannot be saved).
type sipKey struct{ k0, k1 uint64 }

// newSipKey returns a random key.
func newSipKey() sipKey {
	var b [16]byte
	rand.Read(b[:])
	return sipKey{binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])}
}

// sip is a SipHash-2-4 state fed with strings, so that hashing a scope and
// a nonce together needs no concatenation.
type sip struct {
	v0, v1, v2, v3 uint64
	tail           uint64 // the bytes of an unfinished word, little-endian
	ntail          uint   // how many
	n              uint64 // bytes written
}

func newSip(k sipKey) sip {
	return sip{
		v0: k.k0 ^ 0x736f6d6570736575,
		v1: k.k1 ^ 0x646f72616e646f6d,
		v2: k.k0 ^ 0x6c7967656e657261,
		v3: k.k1 ^ 0x7465646279746573,
	}
}

func (s *sip) round() {
	s.v0 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 13)
	s.v1 ^= s.v0
	s.v0 = bits.RotateLeft64(s.v0, 32)
	s.v2 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 16)
	s.v3 ^= s.v2
	s.v0 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 21)
	s.v3 ^= s.v0
	s.v2 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 17)
	s.v1 ^= s.v2
	s.v2 = bits.RotateLeft64(s.v2, 32)
}

func (s *sip) word(m uint64) {
	s.v3 ^= m
	s.round()
	s.round()
	s.v0 ^= m
}

func (s *sip) writeString(p string) {
	s.n += uint64(len(p))
	for s.ntail > 0 && len(p) > 0 {
		s.tail |= uint64(p[0]) << (8 * s.ntail)
		p = p[1:]
		s.ntail++
		if s.ntail == 8 {
			s.word(s.tail)
			s.tail, s.ntail = 0, 0
		}
	}
	for len(p) >= 8 {
		s.word(uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56)
		p = p[8:]
	}
	for i := 0; i < len(p); i++ {
		s.tail |= uint64(p[i]) << (8 * s.ntail)
		s.ntail++
	}
}

func (s *sip) writeByte(c byte) {
	s.n++
	s.tail |= uint64(c) << (8 * s.ntail)
	s.ntail++
	if s.ntail == 8 {
		s.word(s.tail)
		s.tail, s.ntail = 0, 0
	}
}

func (s *sip) sum64() uint64 {
	b := s.n<<56 | s.tail
	s.word(b)
	s.v2 ^= 0xff
	s.round()
	s.round()
	s.round()
	s.round()
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

// hashKey returns the 64-bit keyed hash of k. The scope's length is hashed
// too, so that ("ab", "c") and ("a", "bc") differ.
func (k sipKey) hashKey(key Key) uint64 {
	s := newSip(k)
	s.writeString(key.Scope)
	s.writeString(key.ID)
	for i := range 8 {
		s.writeByte(byte(len(key.Scope) >> (8 * i)))
	}
	return s.sum64()
}

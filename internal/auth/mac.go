package auth

import (
	"crypto/sha1"
	"crypto/sha256"
)

// HMAC (RFC 2104) is written out here rather than taken from crypto/hmac
// because every verification runs five to six of them in a row (the key
// derivation chain and the signature): crypto/hmac allocates two hash states
// and two pads per key, and the keys change with the secret and the scope
// (derived keys are cached, keycache.go, but a miss derives them again).
// These versions hash into caller-owned scratch space and allocate nothing;
// mac_test.go checks them against crypto/hmac.

const macBlockSize = 64 // SHA-1 and SHA-256 alike

// hmacSHA256 returns HMAC-SHA256(key, msg) and work, grown as needed, for
// the caller to keep for the next call.
func hmacSHA256[M string | []byte](work, key []byte, msg M) ([sha256.Size]byte, []byte) {
	var k [macBlockSize]byte
	if len(key) > macBlockSize {
		s := sha256.Sum256(key)
		copy(k[:], s[:])
	} else {
		copy(k[:], key)
	}
	work = padded(work[:0], &k, 0x36)
	work = append(work, msg...)
	inner := sha256.Sum256(work)
	work = padded(work[:0], &k, 0x5c)
	work = append(work, inner[:]...)
	return sha256.Sum256(work), work
}

// hmacSHA1 returns HMAC-SHA1(key, msg) and work, grown as needed.
func hmacSHA1[M string | []byte](work, key []byte, msg M) ([sha1.Size]byte, []byte) {
	var k [macBlockSize]byte
	if len(key) > macBlockSize {
		s := sha1.Sum(key)
		copy(k[:], s[:])
	} else {
		copy(k[:], key)
	}
	work = padded(work[:0], &k, 0x36)
	work = append(work, msg...)
	inner := sha1.Sum(work)
	work = padded(work[:0], &k, 0x5c)
	work = append(work, inner[:]...)
	return sha1.Sum(work), work
}

// padded appends the block-sized key XORed with pad.
func padded(dst []byte, k *[macBlockSize]byte, pad byte) []byte {
	for _, b := range k {
		dst = append(dst, b^pad)
	}
	return dst
}

// Package secret keeps Tollgate's secrets unreadable at rest and makes
// new ones: it seals values with AES-256-GCM under the master key, hashes
// console passwords with PBKDF2, generates access keys and secrets, and
// computes RFC 6238 TOTP codes.
//
// A sealed value is bound to the record that holds it by the additional
// data given to Seal and Open (for a key's secret, its access key), so a
// ciphertext copied into another row does not open there.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of a master key in bytes (AES-256).
const KeySize = 32

// version is the first byte of every sealed value, so that a future
// format (another cipher, a rotated master key) can be told apart.
const version = 1

// Overhead is how many bytes a sealed value has beyond its plaintext: the
// version byte, the nonce and the GCM tag.
const Overhead = 1 + 12 + 16

// ErrOpen is returned by Open for a value that does not open: a wrong
// master key, a value moved from another record, or a changed byte.
var ErrOpen = errors.New("secret: sealed value does not open (wrong master key, wrong record or tampered)")

// Sealer seals and opens values under one master key. It is safe for
// concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a master key of KeySize bytes.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: master key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext under a fresh random nonce, authenticating ad
// with it. ad names the record and field that will hold the result, e.g.
// "key/TGABC.../secret".
func (s *Sealer) Seal(plaintext []byte, ad string) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), Overhead+len(plaintext))
	out[0] = version
	// A random 96-bit nonce is safe for far more than the 2^32 values a
	// key may seal: Tollgate seals a handful per key created or rotated.
	_, _ = rand.Read(out[1:]) // never fails; see crypto/rand.Read
	return s.aead.Seal(out, out[1:], plaintext, []byte(ad))
}

// Open decrypts a value made by Seal with the same ad. It returns ErrOpen
// for anything that does not open.
func (s *Sealer) Open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < Overhead || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(ad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

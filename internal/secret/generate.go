package secret

import (
	"crypto/rand"
	"encoding/base32"
)

// Sizes and alphabets of generated credentials.
const (
	// AccessKeyPrefix starts every generated access key, so that a
	// Tollgate key is recognisable in a log or a leaked file.
	AccessKeyPrefix = "TG"
	// AccessKeyLen is the length of a generated access key: the prefix
	// and 18 characters of 36, about 93 random bits.
	AccessKeyLen = 20
	// SecretLen is the length of a generated secret: 40 characters of
	// 62, about 238 random bits.
	SecretLen = 40

	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// NewAccessKey returns a new random access key: "TG" and 18 upper-case
// letters and digits.
func NewAccessKey() string {
	return AccessKeyPrefix + randomString(AccessKeyLen-len(AccessKeyPrefix), upperDigits)
}

// NewSecret returns a new random secret of SecretLen letters and digits.
func NewSecret() []byte {
	return []byte(randomString(SecretLen, alnum))
}

// NewTOTPSecret returns a new random TOTP secret of 20 bytes (160 bits,
// the size RFC 4226 recommends for HMAC-SHA1) and its base32 text, as
// authenticator apps take it.
func NewTOTPSecret() ([]byte, string) {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never fails; see crypto/rand.Read
	return b, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// randomString returns n characters drawn uniformly from alphabet (at
// most 256 characters). Bytes that would bias the draw are rejected
// rather than reduced modulo the alphabet's size.
func randomString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

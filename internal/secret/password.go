package secret

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
)

// Console passwords are hashed with PBKDF2-HMAC-SHA256 (crypto/pbkdf2),
// the choice of the standard library and of FIPS 140, at OWASP's 2023
// recommendation of 600,000 iterations, with a 16-byte random salt and a
// 32-byte result. A hash records its own parameters, so the count can
// rise later without invalidating stored hashes.
const (
	PasswordIterations = 600_000
	saltLen            = 16
	passwordKeyLen     = 32
	passwordScheme     = "pbkdf2-sha256"
)

// Password limits: NIST SP 800-63B asks for at least 8 characters and
// allows long passphrases; the cap keeps one login from costing more than
// a normal one.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// ErrPasswordHash is returned for a stored hash that cannot be parsed.
var ErrPasswordHash = errors.New("secret: malformed password hash")

// HashPassword returns the hash of password in the form
// "pbkdf2-sha256$<iterations>$<salt>$<hash>", salt and hash in unpadded
// base64.
func HashPassword(password string) (string, error) {
	return hashPassword(password, PasswordIterations)
}

func hashPassword(password string, iterations int) (string, error) {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // never fails; see crypto/rand.Read
	dk, err := pbkdf2.Key(sha256.New, password, salt, iterations, passwordKeyLen)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return passwordScheme + "$" + strconv.Itoa(iterations) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(dk), nil
}

// CheckPassword reports whether password matches hash, comparing in
// constant time. A malformed hash matches nothing.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != passwordScheme {
		return false
	}
	iterations, err := strconv.Atoi(parts[1])
	if err != nil || iterations < 1 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iterations, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when a login names no user, so that a login for a
// user that does not exist takes as long as one with a wrong password. It
// is made on first use, not at start: a hash costs a good part of a
// second.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("tollgate-no-such-user", PasswordIterations)
	return h
})

// CheckNoPassword spends the time of a CheckPassword at the default cost
// and returns false. Call it where there is no hash to check, so that
// timing does not tell which users exist.
func CheckNoPassword(password string) bool {
	CheckPassword(dummyHash(), password)
	return false
}

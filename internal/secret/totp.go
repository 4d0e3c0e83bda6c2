package secret

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"net/url"
	"time"
)

// TOTP parameters (RFC 6238 with its defaults, which every authenticator
// app uses): HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits; a
// code of the step before or after the current one is accepted too, for
// clocks that drift and users who type slowly.
const (
	TOTPPeriod = 30
	TOTPDigits = 6
	TOTPSkew   = 1
)

// totpStep returns the time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// hotp returns the RFC 4226 code of counter under secret with digits
// digits.
func hotp(secret []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	out := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + code%10)
		code /= 10
	}
	return string(out)
}

// TOTP returns the code of secret at t.
func TOTP(secret []byte, t time.Time) string {
	return hotp(secret, uint64(totpStep(t)), TOTPDigits)
}

// VerifyTOTP reports whether code is the code of secret at now, or at the
// TOTPSkew steps around it, and returns the step it matched. Every
// candidate is compared, in constant time, so the time taken does not
// tell which step matched. A caller that remembers the step can refuse a
// code used twice.
func VerifyTOTP(secret []byte, code string, now time.Time) (step int64, ok bool) {
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := totpStep(now)
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		if subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(s), TOTPDigits)), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
}

// TOTPURL returns the otpauth:// URL of a secret, the Key Uri Format that
// authenticator apps read from a QR code: label "issuer:account".
func TOTPURL(issuer, account, secretBase32 string) string {
	q := url.Values{}
	q.Set("secret", secretBase32)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: q.Encode()}
	return u.String()
}

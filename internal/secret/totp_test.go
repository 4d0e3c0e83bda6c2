package secret

import (
	"net/url"
	"testing"
	"time"
)

// TestTOTPVectors checks the SHA-1 test vectors of RFC 6238, appendix B
// (8 digits, seed "12345678901234567890"), and that the 6-digit code is
// their last six digits.
func TestTOTPVectors(t *testing.T) {
	seed := []byte("12345678901234567890")
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tt := range tests {
		tm := time.Unix(tt.unix, 0)
		if got := hotp(seed, uint64(totpStep(tm)), 8); got != tt.want {
			t.Errorf("T=%d: got %s, want %s", tt.unix, got, tt.want)
		}
		if got := TOTP(seed, tm); got != tt.want[2:] {
			t.Errorf("T=%d: 6 digits: got %s, want %s", tt.unix, got, tt.want[2:])
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	seed := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0) // step 37037037
	tests := []struct {
		name string
		code string
		ok   bool
		step int64
	}{
		{"current", TOTP(seed, now), true, 37037037},
		{"previous step", TOTP(seed, now.Add(-30*time.Second)), true, 37037036},
		{"next step", TOTP(seed, now.Add(30*time.Second)), true, 37037038},
		{"two steps back", TOTP(seed, now.Add(-60*time.Second)), false, 0},
		{"two steps ahead", TOTP(seed, now.Add(60*time.Second)), false, 0},
		{"8 digits", "14050471", false, 0},
		{"empty", "", false, 0},
		{"letters", "abcdef", false, 0},
	}
	for _, tt := range tests {
		step, ok := VerifyTOTP(seed, tt.code, now)
		if ok != tt.ok || step != tt.step {
			t.Errorf("%s (%q): got %d, %v; want %d, %v", tt.name, tt.code, step, ok, tt.step, tt.ok)
		}
	}
}

func TestTOTPURL(t *testing.T) {
	u, err := url.Parse(TOTPURL("Tollgate", "acme", "JBSWY3DPEHPK3PXP"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Tollgate:acme" ||
		q.Get("secret") != "JBSWY3DPEHPK3PXP" || q.Get("issuer") != "Tollgate" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("TOTPURL: got %s", u)
	}
}

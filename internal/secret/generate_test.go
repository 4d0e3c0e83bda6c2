package secret

import (
	"regexp"
	"testing"
)

func TestNewAccessKey(t *testing.T) {
	re := regexp.MustCompile(`^TG[A-Z0-9]{18}$`)
	seen := map[string]bool{}
	for range 1000 {
		k := NewAccessKey()
		if !re.MatchString(k) {
			t.Fatalf("NewAccessKey: got %q", k)
		}
		if seen[k] {
			t.Fatalf("NewAccessKey repeated %q", k)
		}
		seen[k] = true
	}
}

func TestNewSecret(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9]{40}$`)
	counts := map[byte]int{}
	for range 1000 {
		s := NewSecret()
		if !re.Match(s) {
			t.Fatalf("NewSecret: got %q", s)
		}
		for _, c := range s {
			counts[c]++
		}
	}
	// 40,000 draws over 62 characters: each appears about 645 times. A
	// character missing or hugely over-drawn means a broken draw.
	if len(counts) != len(alnum) {
		t.Errorf("NewSecret used %d distinct characters, want %d", len(counts), len(alnum))
	}
	for c, n := range counts {
		if n < 400 || n > 900 {
			t.Errorf("character %q drawn %d times of 40000, want about 645", c, n)
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	b, text := NewTOTPSecret()
	if len(b) != 20 || !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(text) {
		t.Errorf("NewTOTPSecret: got %d bytes, %q", len(b), text)
	}
}

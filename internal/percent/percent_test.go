package percent

import (
	"strconv"
	"testing"
)

func TestHex(t *testing.T) {
	for c := 0; c < 256; c++ {
		v, err := strconv.ParseUint(string(rune(c)), 16, 8)
		if got, want := IsHex(byte(c)), err == nil; got != want {
			t.Errorf("IsHex(%q) = %v, want %v", byte(c), got, want)
		}
		if err == nil && Unhex(byte(c)) != byte(v) {
			t.Errorf("Unhex(%q) = %d, want %d", byte(c), Unhex(byte(c)), v)
		}
	}
}

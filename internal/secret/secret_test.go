package secret

import (
	"bytes"
	"errors"
	"testing"
)

func newSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := newSealer(t)
	plain := []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	a := s.Seal(plain, "key/TGA/secret")
	b := s.Seal(plain, "key/TGA/secret")
	if bytes.Equal(a, b) {
		t.Errorf("two seals of one value are equal; the nonce must be fresh")
	}
	if len(a) != len(plain)+Overhead {
		t.Errorf("sealed length: got %d, want %d", len(a), len(plain)+Overhead)
	}
	if bytes.Contains(a, plain) {
		t.Errorf("sealed value holds the plaintext")
	}
	got, err := s.Open(a, "key/TGA/secret")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open: got %q, %v; want %q", got, err, plain)
	}
}

func TestOpenRefuses(t *testing.T) {
	s := newSealer(t)
	sealed := s.Seal([]byte("secret"), "key/TGA/secret")
	other, err := New(bytes.Repeat([]byte{8}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		sealer *Sealer
		sealed []byte
		ad     string
	}{
		{"another record", s, sealed, "key/TGB/secret"},
		{"another field", s, sealed, "key/TGA/previous"},
		{"another master key", other, sealed, "key/TGA/secret"},
		{"short", s, sealed[:Overhead-1], "key/TGA/secret"},
		{"empty", s, nil, "key/TGA/secret"},
		{"unknown version", s, append([]byte{2}, sealed[1:]...), "key/TGA/secret"},
	}
	for i := range sealed {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		tests = append(tests, struct {
			name   string
			sealer *Sealer
			sealed []byte
			ad     string
		}{"byte changed", s, b, "key/TGA/secret"})
	}
	for _, tt := range tests {
		got, err := tt.sealer.Open(tt.sealed, tt.ad)
		if !errors.Is(err, ErrOpen) || got != nil {
			t.Errorf("%s: got %q, %v; want ErrOpen", tt.name, got, err)
		}
	}
}

func TestNewRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New with a %d-byte key: got no error", n)
		}
	}
}

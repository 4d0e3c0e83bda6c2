package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"testing"
)

func TestHMACMatchesCryptoHMAC(t *testing.T) {
	long := bytes.Repeat([]byte("k"), 100)
	tests := []struct {
		name     string
		key, msg []byte
	}{
		{"empty", nil, nil},
		{"short key", []byte("key"), []byte("The quick brown fox jumps over the lazy dog")},
		{"block-sized key", bytes.Repeat([]byte{0xaa}, 64), []byte("msg")},
		{"long key", long, bytes.Repeat([]byte("m"), 300)},
	}
	var work []byte
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := hmac.New(sha256.New, tt.key)
			m.Write(tt.msg)
			var got256 [32]byte
			got256, work = hmacSHA256(work, tt.key, tt.msg)
			if want := m.Sum(nil); !bytes.Equal(got256[:], want) {
				t.Errorf("hmacSHA256 = %x, want %x", got256, want)
			}
			got256, work = hmacSHA256(work, tt.key, string(tt.msg))
			if want := m.Sum(nil); !bytes.Equal(got256[:], want) {
				t.Errorf("hmacSHA256(string) = %x, want %x", got256, want)
			}
			m1 := hmac.New(sha1.New, tt.key)
			m1.Write(tt.msg)
			var got1 [20]byte
			got1, work = hmacSHA1(work, tt.key, tt.msg)
			if want := m1.Sum(nil); !bytes.Equal(got1[:], want) {
				t.Errorf("hmacSHA1 = %x, want %x", got1, want)
			}
		})
	}
}

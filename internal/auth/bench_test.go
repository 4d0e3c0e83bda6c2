package auth

import (
	"testing"
	"time"
)

// BenchmarkVerify verifies one typical signed request per scheme: a POST
// with a query and a small JSON body.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"name":"widget","count":3,"tags":["a","b"]}`)
	keys := keyring{"AKIDBENCH": {[]byte("bench-secret-0123456789")}}
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			s, _ := ByName(name)
			r := rawRequest("POST", "g1.localhost:8080", "/v1/items/42", "limit=10&offset=20&q=blue")
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", "bench/1.0")
			err := s.(Signer).Sign(r, body, Signing{AccessKey: "AKIDBENCH", Secret: []byte("bench-secret-0123456789"),
				Time: time.Now(), Region: "cn-north-1", Service: "svc"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Verify(r, body, keys); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Verify(r, body, keys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

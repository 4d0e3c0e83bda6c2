package secret

import (
	"bytes"
	"testing"
)

func TestCacheOpensOnce(t *testing.T) {
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(s)
	first := s.Seal([]byte("one"), "key/A/secret")
	second := s.Seal([]byte("two"), "key/A/secret") // the same record sealed again

	steps := []struct {
		sealed []byte
		ad     string
		want   string
		err    bool
	}{
		{first, "key/A/secret", "one", false},
		{first, "key/A/secret", "one", false},
		{second, "key/A/secret", "two", false},
		{first, "key/A/secret", "one", false},
		{first, "key/B/secret", "", true}, // bound to A: never from the cache
		{append(bytes.Clone(first[:len(first)-1]), first[len(first)-1]^1), "key/A/secret", "", true},
	}
	for i, st := range steps {
		got, err := c.Open(st.sealed, st.ad)
		if (err != nil) != st.err || string(got) != st.want {
			t.Errorf("step %d: Open = %q, %v; want %q, error %v", i, got, err, st.want, st.err)
		}
	}
}

func TestCacheDecryptsUnchangedValuesOnce(t *testing.T) {
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(s)
	sealed := s.Seal([]byte("one"), "key/A/secret")
	a, _ := c.Open(sealed, "key/A/secret")
	b, _ := c.Open(bytes.Clone(sealed), "key/A/secret")
	if &a[0] != &b[0] {
		t.Errorf("the second Open of unchanged bytes decrypted again (a new plaintext), want the cached one")
	}
}

func TestCacheSweep(t *testing.T) {
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(s)
	a, b := s.Seal([]byte("a"), "a"), s.Seal([]byte("b"), "b")
	c.Open(a, "a")
	c.Open(b, "b")
	m := c.Mark()
	c.Open(a, "a") // b is not read in this generation: it was deleted
	c.Sweep(m)
	if got := c.Len(); got != 1 {
		t.Errorf("after the sweep the cache holds %d values, want 1 (only the one read since the mark)", got)
	}
}

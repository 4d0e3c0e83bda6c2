package limit

import "testing"

// The reference vectors of SipHash-2-4 (Aumasson and Bernstein), key
// 00 01 .. 0f, message 00 01 .. n-1 for n = 0, 1, ...
var sipVectors = []uint64{
	0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a,
	0x85676696d7fb7e2d, 0xcf2794e0277187b7, 0x18765564cd99a68d,
	0xcbc9466e58fee3ce, 0xab0200f58b01d137, 0x93f5f5799a932462,
	0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
	0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee,
	0xa129ca6149be45e5, 0x3f2acc7f57c29bdb,
}

func TestSipHashVectors(t *testing.T) {
	k := sipKey{0x0706050403020100, 0x0f0e0d0c0b0a0908}
	for n, want := range sipVectors {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i)
		}
		// Whole, and split at every point: the state must not care how
		// the message arrives.
		for cut := 0; cut <= n; cut++ {
			s := newSip(k)
			s.writeString(string(msg[:cut]))
			s.writeString(string(msg[cut:]))
			if got := s.sum64(); got != want {
				t.Errorf("n=%d cut=%d: got %#x, want %#x", n, cut, got, want)
			}
		}
		s := newSip(k)
		for _, c := range msg {
			s.writeByte(c)
		}
		if got := s.sum64(); got != want {
			t.Errorf("n=%d bytewise: got %#x, want %#x", n, got, want)
		}
	}
}

func TestHashKeySeparatesScope(t *testing.T) {
	k := sipKey{1, 2}
	pairs := [][2]Key{
		{{"ab", "c"}, {"a", "bc"}},
		{{"", "abc"}, {"abc", ""}},
		{{"k", "n"}, {"n", "k"}},
	}
	for _, p := range pairs {
		if k.hashKey(p[0]) == k.hashKey(p[1]) {
			t.Errorf("hash(%q) == hash(%q)", p[0], p[1])
		}
	}
	if k.hashKey(Key{"a", "b"}) == (sipKey{1, 3}).hashKey(Key{"a", "b"}) {
		t.Error("the key does not change the hash")
	}
}

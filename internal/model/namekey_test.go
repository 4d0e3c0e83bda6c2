package model

import "testing"

func TestNameKey(t *testing.T) {
	same := [][]string{
		{"shop", "Shop", "SHOP", "ｓｈｏｐ", "Ｓｈｏｐ"},
		{"straße", "STRASSE", "strasse"},
		{"ﬁle", "file", "FILE"}, // the ligature decomposes under NFKC
		{"カタカナ", "ｶﾀｶﾅ"},        // half-width katakana
		{"①", "1"},
	}
	for _, names := range same {
		want := NameKey(names[0])
		for _, n := range names[1:] {
			if got := NameKey(n); got != want {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q; want one key", names[0], want, n, got)
			}
		}
	}
	differ := [][2]string{{"shop", "shops"}, {"shop", "sh0p"}, {"a-b", "a_b"}}
	for _, p := range differ {
		if NameKey(p[0]) == NameKey(p[1]) {
			t.Errorf("NameKey(%q) == NameKey(%q); want different keys", p[0], p[1])
		}
	}
}

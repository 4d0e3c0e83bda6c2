package gateway

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/percent"
)

// stripQuery returns the raw query without the parameters whose name,
// decoded, is one of names, and, if dropNameless, without those whose name
// is empty. The others keep their order and their escaping, byte for
// byte. A name is compared decoded so that an escaped spelling
// (Secret%49d) of a credential parameter goes too: the backend would
// decode it to the same name. When nothing is dropped raw itself is
// returned, without allocating.
func stripQuery(raw string, names []string, dropNameless bool) string {
	drop := func(piece string) bool {
		name, _, _ := strings.Cut(piece, "=")
		if name == "" {
			return dropNameless && piece != ""
		}
		for _, n := range names {
			if decodedEquals(name, n) {
				return true
			}
		}
		return false
	}
	found := false
	for rest := raw; rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if drop(piece) {
			found = true
			break
		}
	}
	if !found {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for rest := raw; rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if piece == "" || drop(piece) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(piece)
	}
	return b.String()
}

// decodedEquals reports whether the query-escaped s decodes to want ("+"
// is a space; an invalid escape stands for itself, as the signature
// schemes read it).
func decodedEquals(s, want string) bool {
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s) && percent.IsHex(s[i+1]) && percent.IsHex(s[i+2]):
			c = percent.Unhex(s[i+1])<<4 | percent.Unhex(s[i+2])
			i += 2
		}
		if j >= len(want) || want[j] != c {
			return false
		}
		j++
	}
	return j == len(want)
}

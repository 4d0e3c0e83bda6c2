package model

import (
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NameKey returns the form in which a tenant's names (group and user
// names) and e-mail addresses are compared for uniqueness: Unicode NFKC,
// then full case folding, then NFKC again (folding can leave a string
// that is not in NFKC). So "shop", "Shop" and "ｓｈｏｐ" (full-width) are
// one name, and a tenant cannot make two groups that a reader cannot tell
// apart. The name itself is stored and shown as it was given.
func NameKey(name string) string {
	folded := cases.Fold().String(norm.NFKC.String(name))
	return norm.NFKC.String(folded)
}

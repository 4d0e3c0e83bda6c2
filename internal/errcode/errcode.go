// Package errcode holds Tollgate's error catalogue: every code of every seed
// table, with its HTTP status, message and solution in English and Chinese,
// and the conditions the gateway detects, each mapped to one code per
// dialect. It depends on the standard library only, so that every other
// package may import it.
package errcode

import (
	"fmt"
	"strings"
)

// Family names the seed table, and so the product, that a code comes from.
type Family string

// The families of the catalogue, one per seed table kind.
const (
	FamilyMarket         Family = "market"          // JD Cloud API market, system level
	FamilyMarketBusiness Family = "market-business" // JD Cloud API market, business level
	FamilyGeneral        Family = "general"         // JD Cloud API gateway, general codes
	FamilyConsole        Family = "console"         // JD Cloud API gateway console
	FamilySDK            Family = "sdk"             // JD Cloud API gateway, SDK calls
	FamilyZenith         Family = "zenith"          // Zenith vision cloud
	FamilyTencent        Family = "tencent"         // Tencent Cloud API 2.0
)

// Families lists every family in catalogue order.
var Families = []Family{
	FamilyMarket, FamilyMarketBusiness, FamilyGeneral, FamilyConsole,
	FamilySDK, FamilyZenith, FamilyTencent,
}

// Valid reports whether f is a known family.
func (f Family) Valid() bool {
	for _, x := range Families {
		if x == f {
			return true
		}
	}
	return false
}

// Lang is a response language.
type Lang string

// The languages every message and solution is written in.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// Text is a message in both languages.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

// In returns the text in lang, falling back to English.
func (t Text) In(lang Lang) string {
	if lang == Chinese && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// Entry is one row of the catalogue.
type Entry struct {
	Code     string `json:"code"`
	Family   Family `json:"family"`
	HTTP     int    `json:"http"`
	Message  Text   `json:"message"`
	Solution Text   `json:"solution"`
	// Description explains the code at more length where the seed has a
	// column for that beside the message and the solution: the market
	// business table's "Specific Description". It is never sent.
	Description Text `json:"description,omitzero"`
	// HTTPChosen is true where the seed gives no HTTP status and Tollgate
	// chose one; docs/errors.md says why for each.
	HTTPChosen bool `json:"httpChosen,omitempty"`
	// Placeholder is the word of the message that stands for a parameter or
	// resource name ("param", "argument", "resource", "method", "userId").
	// Error.Subject replaces it where the rendered language's message has
	// it as a whole word, and is appended where it does not.
	Placeholder string `json:"-"`
}

// key identifies an entry: FAILED_PRECONDITION exists with 400 and with 409,
// so the status is part of it.
type key struct {
	family Family
	code   string
	http   int
}

var index = func() map[key]*Entry {
	m := make(map[key]*Entry, len(catalogue))
	for i := range catalogue {
		e := &catalogue[i]
		k := key{e.Family, e.Code, e.HTTP}
		if _, dup := m[k]; dup {
			panic("errcode: duplicate catalogue entry " + string(e.Family) + "/" + e.Code)
		}
		m[k] = e
	}
	return m
}()

// Catalogue returns a copy of every entry, in seed order.
func Catalogue() []Entry {
	out := make([]Entry, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the entry of family with code. Where a code exists with
// more than one status (FAILED_PRECONDITION), the first in seed order wins.
func Lookup(family Family, code string) (Entry, bool) {
	for i := range catalogue {
		if catalogue[i].Family == family && catalogue[i].Code == code {
			return catalogue[i], true
		}
	}
	return Entry{}, false
}

func mustEntry(family Family, code string, http int) *Entry {
	e, ok := index[key{family, code, http}]
	if !ok {
		panic(fmt.Sprintf("errcode: no catalogue entry %s/%s/%d", family, code, http))
	}
	return e
}

// render returns the entry's message in lang about subject, with detail
// appended. Subject replaces the placeholder word where the message has it
// as a whole word, in the exact case; otherwise, as where a seed's wording
// in one language lacks the word or the entry has none, subject is
// appended, so that a caller always learns what the error is about.
func (e *Entry) render(lang Lang, subject, detail string) string {
	msg := e.Message.In(lang)
	if subject != "" {
		if i := wordIndex(msg, e.Placeholder); i >= 0 {
			msg = msg[:i] + subject + msg[i+len(e.Placeholder):]
		} else {
			msg += ": " + subject
		}
	}
	if detail != "" {
		msg += ": " + detail
	}
	return msg
}

// wordIndex returns the index of the first occurrence of word in s that is
// not part of a longer ASCII word, or -1. It keeps "param" from matching
// inside "parameter"; Chinese text around a word counts as a boundary.
func wordIndex(s, word string) int {
	if word == "" {
		return -1
	}
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(word)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return i
		}
		off = i + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

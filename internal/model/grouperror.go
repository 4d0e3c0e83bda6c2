package model

import (
	"time"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Bounds of a group's own error codes.
const (
	// MaxGroupErrors is how many codes one group may define: each may
	// become a label value of tollgate_business_errors_total, so a tenant
	// must not be able to add without end.
	MaxGroupErrors = 200
	// MaxErrorMessageLen bounds a message, and MaxErrorSolutionLen a
	// solution, in characters, in each language.
	MaxErrorMessageLen  = 256
	MaxErrorSolutionLen = 1024
)

// GroupError is an error code a publisher adds to one group, for its
// backend to raise with X-Tollgate-Error beside the catalogue's codes of
// the group's dialect (docs/errors.md, "Business errors").
type GroupError struct {
	GroupID string `json:"groupId"`
	// Code is a number of one to nine digits or an upper-case name (see
	// errcode.CustomCodeFits); the zenith and tencent dialects take
	// numbers only.
	Code string `json:"code"`
	// HTTP is the status the error answers with, 400 to 599.
	HTTP int `json:"http"`
	// Message is required in both languages; Solution is optional.
	Message   errcode.Text `json:"message"`
	Solution  errcode.Text `json:"solution"`
	CreatedAt time.Time    `json:"createdAt"`
}

// Validate checks e for a group of dialect d. A code the dialect already
// has (errcode.BuiltIn) is errcode.RecordConflict; the store refuses a
// code the group already has the same way.
func (e GroupError) Validate(d errcode.Dialect) error {
	switch {
	case e.Code == "":
		return missing("code")
	case !errcode.CustomCodeFits(d, e.Code):
		if d == errcode.DialectZenith || d == errcode.DialectTencent {
			return invalid("code", "%q: a %s group's codes are numbers of 1 to 9 digits without a leading zero", e.Code, d)
		}
		return invalid("code", "%q: a code is a number of 1 to 9 digits without a leading zero, or 2 to 64 capitals, digits and underscores starting with a capital", e.Code)
	case errcode.BuiltIn(d, e.Code):
		return errcode.Newf(errcode.RecordConflict, "%s is a built-in code of the %s dialect; raise it as it is, or choose another", e.Code, d)
	case e.HTTP < 400 || e.HTTP > 599:
		return invalid("http", "%d: a business error answers with a status from 400 to 599", e.HTTP)
	}
	for _, f := range []struct {
		name string
		text string
		max  int
		req  bool
	}{
		{"message.en", e.Message.EN, MaxErrorMessageLen, true},
		{"message.zh", e.Message.ZH, MaxErrorMessageLen, true},
		{"solution.en", e.Solution.EN, MaxErrorSolutionLen, false},
		{"solution.zh", e.Solution.ZH, MaxErrorSolutionLen, false},
	} {
		if f.req && f.text == "" {
			return missing(f.name)
		}
		if !utf8.ValidString(f.text) {
			return invalid(f.name, "not valid UTF-8")
		}
		if n := utf8.RuneCountInString(f.text); n > f.max {
			return invalid(f.name, "%d characters, at most %d", n, f.max)
		}
	}
	return nil
}

// Entry returns e as the entry the data plane renders.
func (e GroupError) Entry() errcode.Entry {
	return errcode.Entry{Code: e.Code, Family: errcode.FamilyGroup, HTTP: e.HTTP, Message: e.Message, Solution: e.Solution}
}

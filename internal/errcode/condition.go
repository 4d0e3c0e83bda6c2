package errcode

import (
	"errors"
	"fmt"
)

// Dialect is the error format a group answers in.
type Dialect string

// The dialects a group can choose.
const (
	DialectJDCloud Dialect = "jdcloud"
	DialectMarket  Dialect = "market"
	DialectZenith  Dialect = "zenith"
	DialectTencent Dialect = "tencent"
)

// Dialects lists every dialect, default first.
var Dialects = []Dialect{DialectJDCloud, DialectMarket, DialectZenith, DialectTencent}

// Valid reports whether d is a known dialect.
func (d Dialect) Valid() bool {
	for _, x := range Dialects {
		if x == d {
			return true
		}
	}
	return false
}

// Condition is one thing the gateway can detect. It has one canonical code
// (a general, SDK or console code of the jdcloud dialect, which also gives
// the HTTP status in every dialect) and one mapped code per other dialect.
//
// Every condition has a mapped code in every dialect: a data-plane
// condition, one that a proxied request can meet, answers in the dialect
// of the group called; a control-plane condition, one of the admin API,
// in the dialect of the caller (its account's, or the one the call asks
// for).
//
// *Condition is an error so that it can be tested for like a sentinel:
// errors.Is(err, errcode.RateLimited) holds for every *Error of that
// condition.
type Condition struct {
	// Name is a stable identifier for logs, metrics and docs: the Go
	// name in snake case.
	Name string
	// Summary says in a few words, in English, when the condition arises.
	Summary string

	summaryZH string
	dataPlane bool
	canonical *Entry
	dialect   map[Dialect]*Entry
}

// Code returns the canonical code, e.g. "NOT_FOUND".
func (c *Condition) Code() string { return c.canonical.Code }

// HTTP returns the status the condition answers with.
func (c *Condition) HTTP() int { return c.canonical.HTTP }

// Entry returns the catalogue entry the condition answers with in d.
func (c *Condition) Entry(d Dialect) Entry { return *c.entry(d) }

// Mapped returns the entry the condition maps to in d, and false where it
// has none and answers with its canonical entry. The jdcloud dialect is
// the canonical one, so Mapped(DialectJDCloud) always reports true.
func (c *Condition) Mapped(d Dialect) (Entry, bool) {
	if d == DialectJDCloud {
		return *c.canonical, true
	}
	e, ok := c.dialect[d]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// DataPlane reports whether a proxied request can meet the condition.
func (c *Condition) DataPlane() bool { return c.dataPlane }

// SummaryIn returns the summary in lang.
func (c *Condition) SummaryIn(lang Lang) string {
	return Text{c.Summary, c.summaryZH}.In(lang)
}

// Error implements error, so that a condition can be the target of
// errors.Is; return New(c, subject) rather than c itself.
func (c *Condition) Error() string {
	return c.canonical.Code + ": " + c.canonical.Message.EN
}

func (c *Condition) entry(d Dialect) *Entry {
	if e, ok := c.dialect[d]; ok {
		return e
	}
	return c.canonical
}

// Ref names a catalogue entry from a condition table.
type Ref struct {
	Family Family
	Code   string
	HTTP   int
}

// define adds a condition to the table. The dialect codes name market
// (or market-business), zenith and tencent entries; every condition has
// one in each.
func define(dataPlane bool, name string, summary Text, canonical Ref, market, zenith, tencent string) *Condition {
	c := &Condition{
		Name:      name,
		Summary:   summary.EN,
		summaryZH: summary.ZH,
		dataPlane: dataPlane,
		canonical: mustEntry(canonical.Family, canonical.Code, canonical.HTTP),
		dialect:   make(map[Dialect]*Entry, 3),
	}
	switch canonical.Family {
	case FamilyGeneral, FamilySDK, FamilyConsole:
	default:
		panic("errcode: condition " + name + ": canonical code of family " + string(canonical.Family))
	}
	mapped := []struct {
		d        Dialect
		code     string
		families []Family
	}{
		{DialectMarket, market, []Family{FamilyMarket, FamilyMarketBusiness}},
		{DialectZenith, zenith, []Family{FamilyZenith}},
		{DialectTencent, tencent, []Family{FamilyTencent}},
	}
	for _, m := range mapped {
		if m.code == "" {
			panic("errcode: condition " + name + " has no " + string(m.d) + " code")
		}
		c.dialect[m.d] = mustLookup(m.code, m.families...)
	}
	conditions = append(conditions, c)
	return c
}

// mustLookup returns the entry with code in the first of families that has
// it. The dialect families hold each code once.
func mustLookup(code string, families ...Family) *Entry {
	for _, f := range families {
		for i := range catalogue {
			if catalogue[i].Family == f && catalogue[i].Code == code {
				return &catalogue[i]
			}
		}
	}
	panic(fmt.Sprintf("errcode: no catalogue entry %v/%s", families, code))
}

var conditions []*Condition

// Conditions returns every condition in definition order.
func Conditions() []*Condition {
	return append([]*Condition(nil), conditions...)
}

// Error is a refusal: a condition, with what it concerns. Handlers return
// it (possibly wrapped with %w); one edge renders it as the envelope of the
// group's dialect.
type Error struct {
	Cond *Condition
	// Subject is what the error is about, e.g. the name of the missing
	// field. It replaces the placeholder word of the message ("param",
	// "argument", "resource") where the message has it, and is appended
	// where it does not.
	Subject string
	// Detail is appended to the message. It must never hold a secret.
	Detail string
	// Cause is the underlying error, for logs; it is never shown.
	Cause error

	// raised is the entry a backend raised (see Raise), rendered in place
	// of the condition's.
	raised *Entry
}

// New returns an Error of cond about subject.
func New(cond *Condition, subject string) *Error {
	return &Error{Cond: cond, Subject: subject}
}

// Newf returns an Error of cond with a formatted detail.
func Newf(cond *Condition, format string, args ...any) *Error {
	return &Error{Cond: cond, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error of cond caused by err.
func Wrap(cond *Condition, err error) *Error {
	return &Error{Cond: cond, Cause: err}
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.entryIn(DialectJDCloud).render(English, e.Subject, e.Detail)
	if e.Cause != nil {
		return e.Code() + ": " + msg + ": " + e.Cause.Error()
	}
	return e.Code() + ": " + msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is the condition of e, or an Error of the same
// condition, so that both errors.Is(err, errcode.NotFound) and
// errors.Is(err, errcode.New(errcode.NotFound, "")) work.
func (e *Error) Is(target error) bool {
	if c, ok := target.(*Condition); ok {
		return c == e.Cond
	}
	var t *Error
	if errors.As(target, &t) {
		return t.Cond == e.Cond
	}
	return false
}

// Message returns the message as rendered in dialect d and language lang.
func (e *Error) Message(d Dialect, lang Lang) string {
	return e.entryIn(d).render(lang, e.Subject, e.Detail)
}

// From returns the *Error in err's chain; an Error of the condition where
// the chain holds a bare *Condition; or an INTERNAL error caused by err
// when there is neither.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var c *Condition
	if errors.As(err, &c) {
		if err == error(c) {
			return New(c, "")
		}
		return Wrap(c, err)
	}
	return Wrap(Internal, err)
}

// Has reports whether err's chain holds cond, or an Error of cond.
func Has(err error, cond *Condition) bool {
	return errors.Is(err, cond)
}

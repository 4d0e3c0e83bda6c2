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
// A condition with no mapped code for a dialect answers with its canonical
// code there; only control-plane conditions are like that.
type Condition struct {
	// Name is a stable identifier for logs, metrics and docs.
	Name string
	// Summary says in a few words when the condition arises.
	Summary string

	canonical *Entry
	dialect   map[Dialect]*Entry
}

// Code returns the canonical code, e.g. "NOT_FOUND".
func (c *Condition) Code() string { return c.canonical.Code }

// HTTP returns the status the condition answers with.
func (c *Condition) HTTP() int { return c.canonical.HTTP }

// Entry returns the catalogue entry the condition answers with in d.
func (c *Condition) Entry(d Dialect) Entry { return *c.entry(d) }

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

func define(name, summary string, canonical Ref, mapped map[Dialect]Ref) *Condition {
	c := &Condition{
		Name:      name,
		Summary:   summary,
		canonical: mustEntry(canonical.Family, canonical.Code, canonical.HTTP),
		dialect:   make(map[Dialect]*Entry, len(mapped)),
	}
	for d, r := range mapped {
		c.dialect[d] = mustEntry(r.Family, r.Code, r.HTTP)
	}
	conditions = append(conditions, c)
	return c
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
	// Subject replaces the placeholder of the message ("param",
	// "argument", "resource"), e.g. the name of the missing field.
	Subject string
	// Detail is appended to the message. It must never hold a secret.
	Detail string
	// Cause is the underlying error, for logs; it is never shown.
	Cause error
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
	msg := e.Cond.canonical.render(English, e.Subject, e.Detail)
	if e.Cause != nil {
		return e.Cond.Code() + ": " + msg + ": " + e.Cause.Error()
	}
	return e.Cond.Code() + ": " + msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an Error of the same condition, so that
// errors.Is(err, errcode.New(errcode.NotFound, "")) works, and whether
// target is the condition itself.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Cond == e.Cond
	}
	return false
}

// Message returns the message as rendered in dialect d and language lang.
func (e *Error) Message(d Dialect, lang Lang) string {
	return e.Cond.entry(d).render(lang, e.Subject, e.Detail)
}

// From returns the *Error in err's chain, or an INTERNAL error caused by
// err when there is none.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(Internal, err)
}

// Has reports whether err's chain holds an Error of cond.
func Has(err error, cond *Condition) bool {
	var e *Error
	return errors.As(err, &e) && e.Cond == cond
}

package snapshot

import (
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// compileErrors compiles a group's own error codes for its dialect d. A
// code that does not fit d or that d has built in is left out: it was
// valid when it was added, under the dialect the group had then, and the
// group has changed dialect since; its backend raising it is then an
// unknown code.
func compileErrors(d errcode.Dialect, list []model.GroupError) map[string]*errcode.Entry {
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]*errcode.Entry, len(list))
	for _, ge := range list {
		if !errcode.CustomCodeFits(d, ge.Code) || errcode.BuiltIn(d, ge.Code) {
			continue
		}
		e := ge.Entry()
		m[ge.Code] = &e
	}
	return m
}

// Raisable returns the entry the group's backend names with code (the
// X-Tollgate-Error header): a catalogue code of the group's dialect first
// (errcode.LookupRaisable), then one of the group's own codes.
func (e *Env) Raisable(code string) (*errcode.Entry, bool) {
	if entry, ok := errcode.LookupRaisable(e.Group.Dialect, code); ok {
		return entry, true
	}
	entry, ok := e.errors[code]
	return entry, ok
}

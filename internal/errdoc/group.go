package errdoc

import (
	"fmt"
	"io"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// WriteRaisable renders the codes a backend of a group of dialect d may
// raise with X-Tollgate-Error: the group's own codes (own, of family
// errcode.FamilyGroup) first, then the catalogue's codes of d that a
// backend may raise (errcode.LookupRaisable), as a table or JSON.
// `tollgate errors --group` prints it.
func WriteRaisable(w io.Writer, d errcode.Dialect, own []errcode.Entry, opts Options) error {
	if opts.Lang == "" {
		opts.Lang = errcode.English
	}
	if !errcode.ValidLang(opts.Lang) {
		return fmt.Errorf("errdoc: unknown language %q (want en or zh)", opts.Lang)
	}
	if !d.Valid() {
		return fmt.Errorf("errdoc: unknown dialect %q", d)
	}
	entries := append([]errcode.Entry(nil), own...)
	for _, f := range errcode.RaisableFamilies(d) {
		if opts.Family != "" && f != opts.Family {
			continue
		}
		for _, e := range errcode.Catalogue() {
			if got, ok := errcode.LookupRaisable(d, e.Code); e.Family == f && ok && got.HTTP == e.HTTP {
				entries = append(entries, e)
			}
		}
	}
	switch opts.Format {
	case "", FormatTable:
		return writeTable(w, entries, opts.Lang)
	case FormatJSON:
		return writeJSON(w, entries)
	}
	return fmt.Errorf("errdoc: a group's codes are rendered as %s or %s, not %q", FormatTable, FormatJSON, opts.Format)
}

package errdoc

import (
	"io"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// WriteCoverage renders, as Markdown, the catalogue entries no condition
// answers with: first those the services behind the gateways raise
// (errcode.ServiceRanges), by range, with the service; then the unreached
// ones (errcode.UnreachedEntries), each with its reason. Together with the
// mapping table it accounts for every entry of the catalogue.
func WriteCoverage(w io.Writer) error {
	reached := conditionsByEntry()
	mw := &mdWriter{w: w}
	mw.printf("### Raised by the services behind the gateways\n\n")
	var rows [][]string
	for _, r := range errcode.ServiceRanges {
		var codes []string
		for _, e := range errcode.Catalogue() {
			if r.Holds(e) {
				code := "`" + e.Code + "`"
				if reached[entryKey(e)] != nil {
					code += "*"
				}
				codes = append(codes, code)
			}
		}
		rows = append(rows, []string{string(r.Family), joinCodes(codes), r.Service.EN})
	}
	mw.table([]string{"family", "codes", "service"}, rows)
	mw.printf("\nA code marked * is also answered by a condition (the mapping table).\n")
	mw.printf("\n### Unreached, and why\n\n")
	rows = rows[:0]
	for _, u := range errcode.UnreachedEntries {
		rows = append(rows, []string{string(u.Family), "`" + u.Code + "`", u.Reason})
	}
	mw.table([]string{"family", "code", "reason"}, rows)
	return mw.err
}

func joinCodes(codes []string) string {
	out := ""
	for i, c := range codes {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}

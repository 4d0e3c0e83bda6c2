package interop

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// docPath is the document whose "Interop" section holds the table.
const docPath = "../../docs/auth.md"

// The markers around the table in docPath.
const (
	tableBegin = "<!-- interop table: printed by TestInterop (test/interop); `go test ./test/interop -run TestInterop -update` rewrites it -->\n"
	tableEnd   = "<!-- end of interop table -->\n"
)

// renderTable renders the results as a Markdown table: one row per
// client, in the order run.
func renderTable(results []outcome) string {
	var b strings.Builder
	b.WriteString("| client | version | scheme | accepted | failed | cannot send | signs what the others do not |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	var order []*client
	byClient := map[*client][]outcome{}
	for _, o := range results {
		if _, ok := byClient[o.client]; !ok {
			order = append(order, o.client)
		}
		byClient[o.client] = append(byClient[o.client], o)
	}
	for _, cl := range order {
		var run, passed int
		var failed, skipped []string
		for _, o := range byClient[cl] {
			switch {
			case o.skip != "":
				skipped = append(skipped, o.name)
			case o.passed:
				run++
				passed++
			default:
				run++
				failed = append(failed, o.name)
			}
		}
		failedCell := strings.Join(failed, ", ")
		if len(failed) == run && run > 0 {
			failedCell = "all"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d/%d | %s | %s | %s |\n",
			cl.name, cl.version, cl.scheme, passed, run, cell(failedCell), cell(strings.Join(skipped, ", ")), cell(cl.signs))
	}
	return b.String()
}

// cell escapes a Markdown table cell; an empty one shows "—".
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// checkDoc fails unless docPath holds table between its markers; with
// -update it writes it there.
func checkDoc(t *testing.T, table string) {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(doc, []byte(tableBegin))
	j := bytes.Index(doc, []byte(tableEnd))
	if i < 0 || j < i {
		t.Fatalf("%s has no interop table between the markers %q and %q", docPath, tableBegin, tableEnd)
	}
	current := string(doc[i+len(tableBegin) : j])
	if current == table {
		return
	}
	if *update {
		out := append(append(append([]byte{}, doc[:i+len(tableBegin)]...), table...), doc[j:]...)
		if err := os.WriteFile(docPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", docPath)
		return
	}
	t.Errorf("%s's interop table differs from the one this run printed (run with -update to rewrite it):\n--- doc\n%s--- printed\n%s", docPath, current, table)
}

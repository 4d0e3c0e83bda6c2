package errcode

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// This test holds the catalogue to the seed files themselves: it parses
// every table of the five pages in testdata/seeds (or $TOLLGATE_SEEDS)
// and fails when a row is missing from the
// catalogue, answers with another status, or is worded otherwise in the
// seed's language; and when the catalogue holds a code no seed has.

// seedRow is one row of a seed table, with its texts in the languages the
// seed has them in. An empty text is one the seed leaves empty or does not
// have, so it is not compared; http is 0 where the seed gives no status.
type seedRow struct {
	where       string // file:line
	family      Family
	code        string
	http        int
	message     Text
	solution    Text
	description Text
	// typeAndDescription is the Tencent page's line after the code: the
	// Error Type and the Description run together with no separator, so
	// the row is compared to message + " " + solution.
	typeAndDescription string
	// variants are wordings this copy of a table has where another copy
	// of it is the one the catalogue follows; see seedVariants.
	variants map[string]string
}

// seedVariants are the cells where 000's copy of the general table words
// a row otherwise than 001, whose English the catalogue keeps.
var seedVariants = map[string]map[string]string{
	// 000 gives HTTP_FORBIDDEN the message of UNAUTHENTICATED; 001's
	// "No Resource Permission" matches the code and the Chinese.
	"HTTP_FORBIDDEN": {"message": "Verification Failed"},
	// 000 words the solution better, but 001 is the gateway's own page.
	"QUOTA_EXCEEDED": {"solution": "Please check access information or increase quota"},
}

// wantFamilyCounts is how many distinct entries each family's tables hold.
var wantFamilyCounts = map[Family]int{
	FamilyMarket:         19,
	FamilyMarketBusiness: 5,
	FamilyGeneral:        24,
	FamilyConsole:        39,
	FamilySDK:            20,
	FamilyZenith:         68,
	FamilyTencent:        16,
}

const wantEntries = 191

func TestCatalogueMatchesSeeds(t *testing.T) {
	rows := readSeeds(t, seedDir(t))

	byCode := map[string][]*Entry{}
	for i := range catalogue {
		e := &catalogue[i]
		k := string(e.Family) + "/" + e.Code
		byCode[k] = append(byCode[k], e)
	}

	seen := map[key]bool{}
	for _, r := range rows {
		candidates := byCode[string(r.family)+"/"+r.code]
		if len(candidates) == 0 {
			t.Errorf("%s: %s %s is missing from the catalogue", r.where, r.family, r.code)
			continue
		}
		var e *Entry
		for _, c := range candidates {
			if r.http == 0 || c.HTTP == r.http {
				e = c
				break
			}
		}
		if e == nil {
			t.Errorf("%s: %s %s: got HTTP %d, want %d", r.where, r.family, r.code, candidates[0].HTTP, r.http)
			continue
		}
		seen[key{e.Family, e.Code, e.HTTP}] = true
		if got, want := e.HTTPChosen, r.http == 0; got != want {
			t.Errorf("%s: %s %s: got HTTPChosen %v, want %v", r.where, r.family, r.code, got, want)
		}
		for _, m := range r.mismatches(e) {
			t.Errorf("%s: %s %s: %s", r.where, r.family, r.code, m)
		}
	}

	for _, e := range catalogue {
		if !seen[key{e.Family, e.Code, e.HTTP}] {
			t.Errorf("catalogue entry %s %s (%d) is in no seed table", e.Family, e.Code, e.HTTP)
		}
	}
	if got := len(catalogue); got != wantEntries {
		t.Errorf("got %d catalogue entries, want %d", got, wantEntries)
	}
	got := map[Family]int{}
	for _, e := range catalogue {
		got[e.Family]++
	}
	for _, f := range Families {
		if got[f] != wantFamilyCounts[f] {
			t.Errorf("family %s: got %d entries, want %d", f, got[f], wantFamilyCounts[f])
		}
	}
	if len(got) != len(wantFamilyCounts) {
		t.Errorf("got families %v, want %v", got, wantFamilyCounts)
	}
}

// mismatches lists how e differs from the row where the row has a text.
func (r seedRow) mismatches(e *Entry) []string {
	var out []string
	cmp := func(field string, got, want Text) {
		for _, l := range []struct {
			lang      Lang
			got, want string
		}{{English, got.EN, want.EN}, {Chinese, got.ZH, want.ZH}} {
			if l.want == "" || l.got == l.want || r.variants[field] == l.want {
				continue
			}
			out = append(out, fmt.Sprintf("%s (%s): got %q, want %q", field, l.lang, l.got, l.want))
		}
	}
	cmp("message", e.Message, r.message)
	cmp("solution", e.Solution, r.solution)
	cmp("description", e.Description, r.description)
	cmp("type and description", Text{EN: e.Message.EN + " " + e.Solution.EN}, Text{EN: r.typeAndDescription})
	return out
}

// seedDir returns the seed folder: $TOLLGATE_SEEDS, or the copy of the
// five pages in testdata/seeds (see its README.md for where they come
// from).
func seedDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("TOLLGATE_SEEDS"); dir != "" {
		return dir
	}
	return filepath.Join("testdata", "seeds")
}

// readSeeds parses the five seed pages, each by the shape of its tables.
func readSeeds(t *testing.T, dir string) []seedRow {
	t.Helper()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("seed folder %s: missing (%v); set TOLLGATE_SEEDS to the folder of the five seed pages", dir, err)
	}
	var rows []seedRow

	// 000: the API market's system and business tables, then a copy of
	// the gateway's general table.
	name, tables := seedTables(t, dir, "000")
	mustTables(t, name, tables, 3)
	for _, c := range cells(t, tables[0], 2) {
		rows = append(rows, seedRow{where: c.where, family: FamilyMarket, code: c.v[0], message: Text{EN: c.v[1]}})
	}
	for _, c := range cells(t, tables[1], 3) {
		rows = append(rows, seedRow{where: c.where, family: FamilyMarketBusiness, code: c.v[0], message: Text{EN: c.v[1]}, description: Text{EN: c.v[2]}})
	}
	rows = append(rows, statusRows(t, tables[2], FamilyGeneral, English, seedVariants)...)

	// 001: the gateway's general and console tables in English.
	name, tables = seedTables(t, dir, "001")
	mustTables(t, name, tables, 2)
	rows = append(rows, statusRows(t, tables[0], FamilyGeneral, English, nil)...)
	rows = append(rows, statusRows(t, tables[1], FamilyConsole, English, nil)...)

	// 002: the SDK, general and console tables in Chinese.
	name, tables = seedTables(t, dir, "002")
	mustTables(t, name, tables, 3)
	rows = append(rows, statusRows(t, tables[0], FamilySDK, Chinese, nil)...)
	rows = append(rows, statusRows(t, tables[1], FamilyGeneral, Chinese, nil)...)
	rows = append(rows, statusRows(t, tables[2], FamilyConsole, Chinese, nil)...)

	// 003: Zenith, English messages and a Chinese analysis, the solution.
	name, tables = seedTables(t, dir, "003")
	mustTables(t, name, tables, 1)
	for _, c := range cells(t, tables[0], 3) {
		rows = append(rows, seedRow{where: c.where, family: FamilyZenith, code: c.v[0], message: Text{EN: c.v[1]}, solution: Text{ZH: c.v[2]}})
	}

	// 004: Tencent, no table syntax: "4000 Invalid request parameter
	// Required parameters are missing, ..." lines.
	name, text := seedFile(t, dir, "004")
	n := 0
	for i, line := range strings.Split(text, "\n") {
		m := tencentLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n++
		rows = append(rows, seedRow{where: fmt.Sprintf("%s:%d", name, i+1), family: FamilyTencent, code: m[1], typeAndDescription: m[2]})
	}
	if n == 0 {
		t.Fatalf("%s: no error code lines", name)
	}
	return rows
}

var tencentLine = regexp.MustCompile(`^(\d{4}) (\S.*)$`)

// statusRows reads a gateway table: Error Code | HTTP Status Code | Error
// Information | Solution.
func statusRows(t *testing.T, tab seedTable, family Family, lang Lang, variants map[string]map[string]string) []seedRow {
	t.Helper()
	var rows []seedRow
	for _, c := range cells(t, tab, 4) {
		status, err := strconv.Atoi(c.v[1])
		if err != nil {
			t.Fatalf("%s: HTTP status %q: %v", c.where, c.v[1], err)
		}
		r := seedRow{where: c.where, family: family, code: c.v[0], http: status, variants: variants[c.v[0]]}
		if lang == Chinese {
			r.message, r.solution = Text{ZH: c.v[2]}, Text{ZH: c.v[3]}
		} else {
			r.message, r.solution = Text{EN: c.v[2]}, Text{EN: c.v[3]}
		}
		rows = append(rows, r)
	}
	return rows
}

// seedTable is one Markdown table of a seed page: its data rows, each
// with where it stands.
type seedTable struct {
	header string
	rows   []tableRow
}

type tableRow struct {
	where string
	v     []string
}

// separator matches a Markdown table's delimiter row, with or without
// outer pipes: "|-|-|", ":---|:---", "---|---|---", "|:--|:--|".
var separator = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?$`)

// seedTables returns the Markdown tables of the seed page whose name
// starts with prefix.
func seedTables(t *testing.T, dir, prefix string) (string, []seedTable) {
	t.Helper()
	name, text := seedFile(t, dir, prefix)
	lines := strings.Split(text, "\n")
	var tables []seedTable
	for i := 1; i < len(lines); i++ {
		if !separator.MatchString(strings.TrimSpace(lines[i])) {
			continue
		}
		tab := seedTable{header: strings.TrimSpace(lines[i-1])}
		for i++; i < len(lines) && strings.Contains(lines[i], "|"); i++ {
			tab.rows = append(tab.rows, tableRow{
				where: fmt.Sprintf("%s:%d", name, i+1),
				v:     splitRow(lines[i]),
			})
		}
		tables = append(tables, tab)
	}
	return name, tables
}

// splitRow returns the trimmed cells of a table row.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	v := strings.Split(line, "|")
	for i := range v {
		v[i] = strings.TrimSpace(v[i])
	}
	return v
}

// cells returns the table's rows, failing unless each has n cells.
func cells(t *testing.T, tab seedTable, n int) []tableRow {
	t.Helper()
	if len(tab.rows) == 0 {
		t.Fatalf("table %q has no rows", tab.header)
	}
	for _, r := range tab.rows {
		if len(r.v) != n {
			t.Fatalf("%s: got %d cells, want %d: %q", r.where, len(r.v), n, r.v)
		}
	}
	return tab.rows
}

func mustTables(t *testing.T, name string, tables []seedTable, n int) {
	t.Helper()
	if len(tables) != n {
		t.Fatalf("%s: got %d tables, want %d", name, len(tables), n)
	}
}

// seedFile returns the name and text of the one file in dir whose name
// starts with prefix and an underscore.
func seedFile(t *testing.T, dir, prefix string) (string, string) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, prefix+"_*"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("seed page %s_* in %s: got %d files (%v), want 1", prefix, dir, len(matches), err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(matches[0]), string(b)
}

// TestSeedFolderMissing checks that a wrong TOLLGATE_SEEDS fails the seed
// test rather than letting it pass with nothing compared: it runs the test
// binary again on a folder that does not exist.
func TestSeedFolderMissing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCatalogueMatchesSeeds$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TOLLGATE_SEEDS="+filepath.Join(t.TempDir(), "nowhere"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("seed test on a missing folder passed:\n%s", out)
	}
	if !strings.Contains(string(out), "missing") || strings.Contains(string(out), "SKIP") {
		t.Errorf("seed test on a missing folder: got output\n%s\nwant a failure that says the folder is missing", out)
	}
}

// Package errdoc renders Tollgate's error catalogue and its condition
// mapping table for people: the catalogue as an aligned plain-text table,
// as JSON, or as Markdown tables in the shape of the seed pages it comes
// from; the mapping table as Markdown. `tollgate errors` prints the one,
// docs/errors.md holds the other.
package errdoc

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// The formats Write renders.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// Formats lists the formats Write accepts, default first.
var Formats = []string{FormatTable, FormatJSON, FormatMarkdown}

// Options says what Write renders and how.
type Options struct {
	// Format is FormatTable, FormatJSON or FormatMarkdown; empty means
	// FormatTable.
	Format string
	// Lang is the language of the texts and headings; empty means
	// English. JSON carries both languages whatever Lang is.
	Lang errcode.Lang
	// Family restricts the output to one family; empty means all.
	Family errcode.Family
}

// Write renders the catalogue's entries, in catalogue order, as opts says.
func Write(w io.Writer, opts Options) error {
	if opts.Lang == "" {
		opts.Lang = errcode.English
	}
	if !errcode.ValidLang(opts.Lang) {
		return fmt.Errorf("errdoc: unknown language %q (want en or zh)", opts.Lang)
	}
	if opts.Family != "" && !opts.Family.Valid() {
		return fmt.Errorf("errdoc: unknown family %q (want one of %s)", opts.Family, joinFamilies())
	}
	var entries []errcode.Entry
	for _, e := range errcode.Catalogue() {
		if opts.Family == "" || e.Family == opts.Family {
			entries = append(entries, e)
		}
	}
	switch opts.Format {
	case "", FormatTable:
		return writeTable(w, entries, opts.Lang)
	case FormatJSON:
		return writeJSON(w, entries)
	case FormatMarkdown:
		return writeMarkdown(w, entries, opts.Lang)
	}
	return fmt.Errorf("errdoc: unknown format %q (want %s)", opts.Format, strings.Join(Formats, ", "))
}

func joinFamilies() string {
	s := make([]string, len(errcode.Families))
	for i, f := range errcode.Families {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// writeTable writes aligned columns. The headings stay English in both
// languages: they are column names, and a Chinese heading would break the
// alignment in a terminal, where a Chinese character is two columns wide.
func writeTable(w io.Writer, entries []errcode.Entry, lang errcode.Lang) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tFAMILY\tHTTP\tMESSAGE")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", e.Code, e.Family, e.HTTP, e.Message.In(lang))
	}
	return tw.Flush()
}

// jsonEntry is an entry as JSON: the catalogue's fields, and the
// conditions that answer with it, so that a reader can tell a code the
// gateway sends from one that is in the catalogue only.
type jsonEntry struct {
	errcode.Entry
	Conditions []string `json:"conditions"`
}

func writeJSON(w io.Writer, entries []errcode.Entry) error {
	users := conditionsByEntry()
	out := make([]jsonEntry, len(entries))
	for i, e := range entries {
		names := users[entryKey(e)]
		if names == nil {
			names = []string{}
		}
		out[i] = jsonEntry{Entry: e, Conditions: names}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func entryKey(e errcode.Entry) string {
	return string(e.Family) + "/" + e.Code + "/" + strconv.Itoa(e.HTTP)
}

// conditionsByEntry returns, for each entry some condition answers with in
// some dialect, the names of those conditions in definition order.
func conditionsByEntry() map[string][]string {
	m := map[string][]string{}
	for _, c := range errcode.Conditions() {
		seen := map[string]bool{}
		for _, d := range errcode.Dialects {
			e, ok := c.Mapped(d)
			if !ok || seen[entryKey(e)] {
				continue
			}
			seen[entryKey(e)] = true
			m[entryKey(e)] = append(m[entryKey(e)], c.Name)
		}
	}
	return m
}

// familyDoc is how the Markdown output presents a family: the seed page's
// table title and column headings, and the entry's cells in a language.
type familyDoc struct {
	title   errcode.Text
	headers [2][]string // English, Chinese
	cells   func(e errcode.Entry, lang errcode.Lang) []string
}

var (
	statusHeaders = [2][]string{
		{"Error Code", "HTTP Status Code", "Error Information", "Solution"},
		{"错误码", "HTTP状态码", "错误信息", "解决方案"},
	}
	statusCells = func(e errcode.Entry, lang errcode.Lang) []string {
		return []string{e.Code, strconv.Itoa(e.HTTP), e.Message.In(lang), e.Solution.In(lang)}
	}
)

var familyDocs = map[errcode.Family]familyDoc{
	errcode.FamilyMarket: {
		title: errcode.Text{EN: "JD Cloud API market: system level error codes", ZH: "京东云API市场：系统级错误码"},
		headers: [2][]string{
			{"Return Code (code)", "Description (message)"},
			{"返回码 (code)", "描述 (message)"},
		},
		cells: func(e errcode.Entry, lang errcode.Lang) []string {
			return []string{e.Code, e.Message.In(lang)}
		},
	},
	errcode.FamilyMarketBusiness: {
		title: errcode.Text{EN: "JD Cloud API market: business error codes", ZH: "京东云API市场：业务错误码"},
		headers: [2][]string{
			{"Error Code", "English Description", "Specific Description"},
			{"错误码", "错误信息", "具体描述"},
		},
		cells: func(e errcode.Entry, lang errcode.Lang) []string {
			return []string{e.Code, e.Message.In(lang), e.Description.In(lang)}
		},
	},
	errcode.FamilyGeneral: {
		title:   errcode.Text{EN: "JD Cloud API gateway: general error codes", ZH: "京东云API网关：通用错误码"},
		headers: statusHeaders,
		cells:   statusCells,
	},
	errcode.FamilyConsole: {
		title:   errcode.Text{EN: "JD Cloud API gateway: console error codes", ZH: "京东云API网关：控制台错误码"},
		headers: statusHeaders,
		cells:   statusCells,
	},
	errcode.FamilySDK: {
		title:   errcode.Text{EN: "JD Cloud API gateway: error codes of SDK calls", ZH: "京东云API网关：调用SDK时的错误码"},
		headers: statusHeaders,
		cells:   statusCells,
	},
	errcode.FamilyZenith: {
		title: errcode.Text{EN: "Zenith vision cloud error codes", ZH: "臻识视觉云错误码"},
		headers: [2][]string{
			{"Error Code", "Error Message", "Error Analysis"},
			{"错误码", "错误信息", "错误分析"},
		},
		cells: func(e errcode.Entry, lang errcode.Lang) []string {
			return []string{e.Code, e.Message.In(lang), e.Solution.In(lang)}
		},
	},
	errcode.FamilyTencent: {
		title: errcode.Text{EN: "Tencent Cloud API 2.0 common error codes", ZH: "腾讯云API 2.0公共错误码"},
		headers: [2][]string{
			{"Error Code", "Error Type", "Description"},
			{"错误码", "错误类型", "描述"},
		},
		cells: func(e errcode.Entry, lang errcode.Lang) []string {
			return []string{e.Code, e.Message.In(lang), e.Solution.In(lang)}
		},
	},
}

// writeMarkdown writes one table per family, in catalogue order, each in
// its seed page's shape.
func writeMarkdown(w io.Writer, entries []errcode.Entry, lang errcode.Lang) error {
	mw := &mdWriter{w: w}
	mw.printf("# %s\n", errcode.Text{EN: "Error codes", ZH: "错误码"}.In(lang))
	for _, f := range errcode.Families {
		var rows [][]string
		doc := familyDocs[f]
		for _, e := range entries {
			if e.Family == f {
				rows = append(rows, doc.cells(e, lang))
			}
		}
		if len(rows) == 0 {
			continue
		}
		mw.printf("\n## %s (%s)\n\n", doc.title.In(lang), f)
		mw.table(doc.headers[langIndex(lang)], rows)
	}
	return mw.err
}

// WriteMapping renders the condition mapping table as Markdown in lang: a
// table of the data-plane conditions and one of the control-plane
// conditions, each row the condition's name, its summary, its HTTP status
// and its code in every dialect.
func WriteMapping(w io.Writer, lang errcode.Lang) error {
	if lang == "" {
		lang = errcode.English
	}
	if !errcode.ValidLang(lang) {
		return fmt.Errorf("errdoc: unknown language %q (want en or zh)", lang)
	}
	headers := [2][]string{
		{"Condition", "Summary", "HTTP"},
		{"条件", "说明", "HTTP"},
	}[langIndex(lang)]
	for _, d := range errcode.Dialects {
		headers = append(headers, string(d))
	}
	planes := []struct {
		title errcode.Text
		data  bool
	}{
		{errcode.Text{EN: "Data plane", ZH: "数据面"}, true},
		{errcode.Text{EN: "Control plane", ZH: "控制面"}, false},
	}
	mw := &mdWriter{w: w}
	for i, p := range planes {
		if i > 0 {
			mw.printf("\n")
		}
		mw.printf("### %s\n\n", p.title.In(lang))
		var rows [][]string
		for _, c := range errcode.Conditions() {
			if c.DataPlane() != p.data {
				continue
			}
			row := []string{"`" + c.Name + "`", c.SummaryIn(lang), strconv.Itoa(c.HTTP())}
			for _, d := range errcode.Dialects {
				code := "—"
				if e, ok := c.Mapped(d); ok {
					code = e.Code
				}
				row = append(row, code)
			}
			rows = append(rows, row)
		}
		mw.table(headers, rows)
	}
	return mw.err
}

func langIndex(lang errcode.Lang) int {
	if lang == errcode.Chinese {
		return 1
	}
	return 0
}

// mdWriter writes Markdown and keeps the first write error, so that the
// renderers read as the document they produce.
type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

// table writes a Markdown table; a "|" in a cell is escaped.
func (m *mdWriter) table(headers []string, rows [][]string) {
	m.row(headers)
	sep := make([]string, len(headers))
	for i := range sep {
		sep[i] = "---"
	}
	m.row(sep)
	for _, r := range rows {
		m.row(r)
	}
}

func (m *mdWriter) row(cells []string) {
	var b strings.Builder
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(strings.ReplaceAll(c, "|", `\|`))
		b.WriteString(" |")
	}
	b.WriteString("\n")
	m.printf("%s", b.String())
}

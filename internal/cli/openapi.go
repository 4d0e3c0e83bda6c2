package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// runImport is tollgate import: it sends an OpenAPI (or Swagger 2.0)
// document to a group's import route and prints the plan the admin API
// answers (what was, or with --dry-run would be, added, changed, removed,
// and the conflicts).
func runImport(args []string, stdout, stderr io.Writer) error {
	var c adminClient
	var group, mode string
	var dryRun bool
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: tollgate import FILE --group G [--dry-run] [--mode merge|replace]\n\n"+
			"Imports a Swagger 2.0 or OpenAPI 3.0/3.1 document (YAML or JSON; - reads\n"+
			"standard input) into a group through the admin API, and prints the plan.\n\nFlags:")
		fs.PrintDefaults()
	}
	c.flags(fs)
	fs.StringVar(&group, "group", "", "the group's `id`")
	fs.BoolVar(&dryRun, "dry-run", false, "print what would change, change nothing")
	fs.StringVar(&mode, "mode", "merge", "merge (keep APIs the document does not name) or replace (remove them)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitUsage{err.Error()}
	}
	if len(pos) != 1 {
		return exitUsage{"one FILE is required"}
	}
	if group == "" {
		return exitUsage{errNoGroup.Error()}
	}
	if mode != "merge" && mode != "replace" {
		return exitUsage{"--mode is merge or replace"}
	}
	var doc []byte
	if pos[0] == "-" {
		doc, err = io.ReadAll(os.Stdin)
	} else {
		doc, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return err
	}
	q := url.Values{"mode": {mode}}
	if dryRun {
		q.Set("dryRun", "true")
	}
	contentType := "application/json"
	if strings.HasSuffix(pos[0], ".yaml") || strings.HasSuffix(pos[0], ".yml") {
		contentType = "application/yaml"
	}
	out, err := c.do("POST", "/v1/groups/"+url.PathEscape(group)+"/import?"+q.Encode(), contentType, doc)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, strings.TrimSpace(string(out)))
	return err
}

// runExport is tollgate export: it prints a group (or one of its
// revisions) as an OpenAPI 3.1 document.
func runExport(args []string, stdout, stderr io.Writer) error {
	var c adminClient
	var group, format, revision string
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: tollgate export --group G [--format json|yaml] [--revision R]\n\n"+
			"Prints a group's APIs (or a revision's) as an OpenAPI 3.1 document.\n\nFlags:")
		fs.PrintDefaults()
	}
	c.flags(fs)
	fs.StringVar(&group, "group", "", "the group's `id`")
	fs.StringVar(&format, "format", "json", "json or yaml")
	fs.StringVar(&revision, "revision", "", "export this `revision` instead of the group's current APIs")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitUsage{err.Error()}
	}
	if len(pos) != 0 {
		return exitUsage{"export takes no arguments"}
	}
	if group == "" {
		return exitUsage{errNoGroup.Error()}
	}
	if format != "json" && format != "yaml" {
		return exitUsage{"--format is json or yaml"}
	}
	path := "/v1/groups/" + url.PathEscape(group) + "/openapi." + format
	if revision != "" {
		path += "?revision=" + url.QueryEscape(revision)
	}
	out, err := c.do("GET", path, "", nil)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

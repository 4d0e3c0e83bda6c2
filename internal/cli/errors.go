package cli

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/errdoc"
)

func runErrors(args []string, stdout, stderr io.Writer) error {
	var opts errdoc.Options
	var lang, family string
	fs := flag.NewFlagSet("errors", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&lang, "lang", "en", "language: en or zh")
	fs.StringVar(&opts.Format, "format", "table", "output: table, json or markdown")
	fs.StringVar(&family, "family", "", "only this family: market, market-business, general, console, sdk, zenith, tencent")
	var group groupSource
	group.flags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitUsage{err.Error()}
	}
	opts.Lang = errcode.Lang(lang)
	if !errcode.ValidLang(opts.Lang) {
		return exitUsage{"--lang must be en or zh"}
	}
	opts.Family = errcode.Family(family)
	if !slices.Contains(errdoc.Formats, opts.Format) {
		return exitUsage{"--format must be one of " + strings.Join(errdoc.Formats, ", ")}
	}
	if family != "" && !opts.Family.Valid() {
		return exitUsage{"unknown --family " + family}
	}
	if group.id != "" {
		return group.write(stdout, opts)
	}
	return errdoc.Write(stdout, opts)
}

package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/tollgate-gw/tollgate/internal/version"
)

// runVersion prints the version, the commit and the Go version, one per
// line as "key: value", so that a bug report can paste it and a script
// can read it.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage{err.Error()}
	}
	if fs.NArg() > 0 {
		return exitUsage{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	v := version.Get()
	_, err := fmt.Fprintf(stdout, "tollgate %s\ncommit: %s\ngo: %s %s\n", v.Version, v.Commit, v.Go, v.OS)
	return err
}

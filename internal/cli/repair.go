package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"time"

	"github.com/tollgate-gw/tollgate/internal/repair"
)

func runRepair(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("repair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "./tollgate-data", "data `directory` that serve refuses to start on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitUsage{err.Error()}
	}
	if fs.NArg() > 0 {
		return exitUsage{"unexpected argument " + fs.Arg(0)}
	}
	return repair.Run(context.Background(), *dir, os.Getenv, stdout, time.Now())
}

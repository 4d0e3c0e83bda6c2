// Command tollgate is the Tollgate API gateway: `tollgate serve` runs it,
// `tollgate errors` prints its error catalogue. See the README.
package main

import (
	"os"

	"github.com/tollgate-gw/tollgate/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

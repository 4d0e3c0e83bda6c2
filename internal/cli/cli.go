// Package cli parses Tollgate's command line and runs its subcommands.
// cmd/tollgate only calls Main, so that the commands can be tested in
// process.
package cli

import (
	"fmt"
	"io"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the gateway: data plane, admin API, metrics", runServe},
		{"errors", "print the error catalogue", runErrors},
		{"call", "sign and send a request to a protected API, print the answer", runCall},
		{"import", "import an OpenAPI or Swagger document into a group (through the admin API)", runImport},
		{"export", "print a group as an OpenAPI 3.1 document (through the admin API)", runExport},
		{"repair", "quarantine the damaged state serve refuses, and print what was lost", runRepair},
		{"version", "print the version, the commit and the Go version", runVersion},
	}
}

// exitUsage is returned by a command whose arguments were wrong.
type exitUsage struct{ msg string }

func (e exitUsage) Error() string { return e.msg }

// Main runs the subcommand named by args[0] and returns the process exit
// code: 0 on success, 1 on failure, 2 on a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch err.(type) {
		case nil:
			return 0
		case exitUsage:
			fmt.Fprintln(stderr, "tollgate "+c.name+":", err)
			return 2
		default:
			fmt.Fprintln(stderr, "tollgate "+c.name+":", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "tollgate: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tollgate <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tollgate <command> -h' for a command's flags.")
}

// Package version tells which Tollgate this is: the release version and
// the commit it was built from, given at build time with
//
//	go build -ldflags "-X github.com/tollgate-gw/tollgate/internal/version.version=v1.2.3
//	  -X github.com/tollgate-gw/tollgate/internal/version.commit=<sha>"
//
// (`make build` passes both from git), and the Go version it was built
// with. Without -ldflags it falls back to what the Go toolchain recorded
// (runtime/debug.ReadBuildInfo: the module version of a `go install
// ...@v1.2.3`, the vcs.revision of a build from a git checkout), and then
// to "devel" and "unknown": a build with -buildvcs=false records no
// commit.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags -X; see the package comment.
var (
	version string
	commit  string
)

// Info is what `tollgate version` prints.
type Info struct {
	Version string // "v1.2.3", or "devel"
	Commit  string // the full commit hash, "+dirty" appended when the tree was modified; or "unknown"
	Go      string // runtime.Version(), e.g. "go1.26.8"
	OS      string // GOOS/GOARCH
}

// Get returns the running binary's Info.
func Get() Info {
	info := Info{Version: version, Commit: commit, Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		if info.Commit == "" {
			info.Commit = vcsCommit(bi.Settings)
		}
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// vcsCommit returns the vcs.revision the toolchain recorded, marked
// "+dirty" when vcs.modified says the tree had changes; "" when none.
func vcsCommit(settings []debug.BuildSetting) string {
	var rev string
	var dirty bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	return rev
}

package cli

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersion checks `tollgate version` and `tollgate --version` in
// process: without -ldflags, the test binary says devel and unknown, and
// the Go version it runs on.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code != 0 {
			t.Fatalf("tollgate %v: exit %d, stderr %s", args, code, stderr.String())
		}
		want := "tollgate devel\ncommit: unknown\ngo: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
		if got := stdout.String(); got != want {
			t.Errorf("tollgate %v: got\n%s\nwant\n%s", args, got, want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"version", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("tollgate version extra: exit %d, want 2 (usage)", code)
	}
	stderr.Reset()
	Main([]string{"--help"}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "version ") {
		t.Errorf("usage does not list the version command:\n%s", stderr.String())
	}
}

// TestVersionFromLdflags builds the real binary the way `make build`
// does, with the version and the commit given by -ldflags -X, and runs
// `tollgate --version`.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "tollgate")
	const pkg = "github.com/tollgate-gw/tollgate/internal/version"
	ldflags := "-X " + pkg + ".version=v9.8.7-test -X " + pkg + ".commit=0123456789abcdef0123456789abcdef01234567"
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, "../../cmd/tollgate").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("tollgate --version: %v", err)
	}
	want := "tollgate v9.8.7-test\ncommit: 0123456789abcdef0123456789abcdef01234567\ngo: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if string(out) != want {
		t.Errorf("tollgate --version: got\n%s\nwant\n%s", out, want)
	}
}

package telemetry

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestStartProfiles: each variable makes the stop function write its
// file, in the format its tool reads: a CPU or allocation profile
// (gzipped protobuf, for go tool pprof) or an execution trace (for go
// tool trace).
func TestStartProfiles(t *testing.T) {
	gzipMagic := []byte{0x1f, 0x8b}
	for _, tc := range []struct {
		env    string
		prefix []byte
	}{
		{EnvCPUProfile, gzipMagic},
		{EnvMemProfile, gzipMagic},
		{EnvTrace, []byte("go 1.")},
	} {
		t.Run(tc.env, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out")
			stop, err := StartProfiles(func(name string) string {
				if name == tc.env {
					return path
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, tc.prefix) {
				t.Errorf("%s wrote %d bytes starting %q, want them to start %q", tc.env, len(b), b[:min(len(b), 16)], tc.prefix)
			}
		})
	}
}

//go:build !unix

package limit

import (
	"os"
	"path/filepath"
)

// lockDir opens dir's LOCK file. Where there is no flock, nothing stops a
// second process from opening the directory.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
}

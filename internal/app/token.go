package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func tokenPath(dataDir string) string { return filepath.Join(dataDir, "admin-token") }

// loadToken returns the admin token kept in the data directory, or "" when
// there is none yet.
func loadToken(dataDir string) (string, error) {
	b, err := os.ReadFile(tokenPath(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read admin token: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("admin token file %s is empty", tokenPath(dataDir))
	}
	return token, nil
}

// createToken makes a new admin token of 32 random bytes and keeps it in
// the data directory with mode 0600.
func createToken(dataDir string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	b := make([]byte, 32)
	rand.Read(b)
	token := "tg_" + base64.RawURLEncoding.EncodeToString(b)
	// O_EXCL: two processes starting on one directory must not both
	// believe they created the token.
	f, err := os.OpenFile(tokenPath(dataDir), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create admin token: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return "", err
	}
	return token, f.Close()
}

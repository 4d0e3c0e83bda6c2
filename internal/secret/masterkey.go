package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// EnvMasterKey is the environment variable that holds the master key,
// base64 (standard alphabet, padded) of KeySize bytes.
const EnvMasterKey = "TOLLGATE_MASTER_KEY"

// KeyFileName is the master key's file in the data directory, used when
// EnvMasterKey is not set.
const KeyFileName = "master-key"

// Load returns the Sealer of the master key in the environment variable
// EnvMasterKey or, when it is unset, in the file KeyFileName in dir, which
// it creates with a new random key (mode 0600, and dir 0700) if there is
// none. getenv is os.Getenv outside tests.
//
// A key file readable by anyone but its owner is refused: whoever reads it
// and a copy of the database reads every secret.
func Load(dir string, getenv func(string) string) (*Sealer, error) {
	if v := getenv(EnvMasterKey); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", EnvMasterKey, err)
		}
		return New(key)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, KeyFileName)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
		if errors.Is(err, fs.ErrExist) {
			// Another process created it first; use its key.
			key, err = readKeyFile(path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("secret: %s: %w", path, err)
	}
	return New(key)
}

// NewKey returns a new random master key, base64-encoded as EnvMasterKey
// takes it.
func NewKey() string {
	var k [KeySize]byte
	_, _ = rand.Read(k[:]) // never fails; see crypto/rand.Read
	return base64.StdEncoding.EncodeToString(k[:])
}

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace([]byte(s))))
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("mode %v lets others read the master key; chmod 600 it", fi.Mode().Perm())
	}
	b := make([]byte, 256)
	n, err := f.Read(b)
	if err != nil {
		return nil, err
	}
	return decodeKey(string(b[:n]))
}

// createKeyFile writes a new key to path, failing with fs.ErrExist if the
// file exists. The key is written to a temporary file (created with
// O_EXCL, mode 0600), synced, and linked to path: the link is atomic and
// refuses an existing name, so the first start is the only one that
// creates the file, and no start ever reads a half-written key.
func createKeyFile(path string) ([]byte, error) {
	f, err := os.CreateTemp(filepath.Dir(path), KeyFileName+".tmp*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	text := NewKey()
	_, err = f.WriteString(text + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp, path); err != nil {
		return nil, err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // make the new name durable; best effort
		d.Close()
	}
	return decodeKey(text)
}

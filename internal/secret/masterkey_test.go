package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func noEnv(string) string { return "" }

func TestLoadCreatesKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s1, err := Load(dir, noEnv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	path := filepath.Join(dir, KeyFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: got %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode: got %v, want 0700", di.Mode().Perm())
	}
	// A second start reads the same key: what the first sealed opens.
	sealed := s1.Seal([]byte("x"), "ad")
	s2, err := Load(dir, noEnv)
	if err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if _, err := s2.Open(sealed, "ad"); err != nil {
		t.Errorf("second Load has another key: %v", err)
	}
}

func TestLoadConcurrentFirstStarts(t *testing.T) {
	dir := t.TempDir()
	sealers := make([]*Sealer, 8)
	var wg sync.WaitGroup
	for i := range sealers {
		wg.Go(func() {
			s, err := Load(dir, noEnv)
			if err != nil {
				t.Errorf("Load: %v", err)
			}
			sealers[i] = s
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	sealed := sealers[0].Seal([]byte("x"), "ad")
	for i, s := range sealers {
		if _, err := s.Open(sealed, "ad"); err != nil {
			t.Errorf("sealer %d has another key", i)
		}
	}
}

func TestLoadFromEnv(t *testing.T) {
	dir := t.TempDir()
	key := NewKey()
	env := func(name string) string {
		if name == EnvMasterKey {
			return key
		}
		return ""
	}
	s, err := Load(dir, env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
		t.Errorf("Load with %s set wrote a key file (%v)", EnvMasterKey, err)
	}
	s2, _ := Load(dir, env)
	if _, err := s2.Open(s.Seal([]byte("x"), "ad"), "ad"); err != nil {
		t.Errorf("the same env key opens nothing: %v", err)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name string
		env  string
		file string
		mode os.FileMode
		want string
	}{
		{name: "env not base64", env: "not base64!", want: "not base64"},
		{name: "env short", env: "AAAA", want: "3 bytes"},
		{name: "file short", file: "AAAA\n", mode: 0o600, want: "3 bytes"},
		{name: "file readable by others", file: NewKey() + "\n", mode: 0o644, want: "chmod 600"},
		{name: "file empty", file: "", mode: 0o600, want: "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.mode != 0 {
				path := filepath.Join(dir, KeyFileName)
				if err := os.WriteFile(path, []byte(tt.file), tt.mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, tt.mode)
			}
			_, err := Load(dir, func(string) string { return tt.env })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
			if err != nil && tt.env != "" && strings.Contains(err.Error(), tt.env) {
				t.Errorf("the error repeats the key: %v", err)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	a, b := NewKey(), NewKey()
	if a == b {
		t.Errorf("two keys are equal")
	}
	k, err := decodeKey(a)
	if err != nil || len(k) != KeySize || bytes.Equal(k, make([]byte, KeySize)) {
		t.Errorf("NewKey: got %q (%v)", a, err)
	}
}

package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
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

// adminToken settles the admin token at start, and returns it with its
// SHA-256. The first start is the one that finds no admin token; it
// creates the demo group (with cfg.Demo) and then the token, so that a
// start that failed half-way is still a first start the next time.
//
// With SQLite, the token is the data directory's admin-token file, as it
// always was. With a store that nodes share, the token's hash is kept in
// the store, so that every node accepts it: the node that initialises the
// store makes the token, writes it to its admin-token file and keeps its
// hash; a node that finds a hash in the store accepts that token, and
// returns "" when its data directory has no copy of it (docs/cluster.md);
// a copy that is not the store's token refuses the start.
func (s *Server) adminToken(ctx context.Context, st configStore) (string, []byte, error) {
	dataDir := s.cfg.DataDir
	token, err := loadToken(dataDir)
	if err != nil {
		return "", nil, err
	}
	var stored []byte
	if s.cfg.Store != "" {
		if stored, err = st.AdminTokenHash(ctx); err != nil {
			return "", nil, fmt.Errorf("read the admin token hash: %w", err)
		}
	}
	switch {
	case stored != nil && token == "":
		s.log.Info("the admin token is the cluster's, whose hash the store keeps; this data directory has no copy of it (docs/cluster.md)",
			"file", tokenPath(dataDir))
		return "", stored, nil
	case stored != nil:
		return token, stored, sameToken(token, stored, tokenPath(dataDir))
	}
	created := token == ""
	if created {
		if s.cfg.Demo {
			if err := seedDemo(ctx, st); err != nil && !errcode.Has(err, errcode.GroupNameRepeat) {
				return "", nil, fmt.Errorf("create demo group: %w", err)
			}
		}
		if token, err = createToken(dataDir); err != nil {
			return "", nil, err
		}
	}
	h := sha256.Sum256([]byte(token))
	if s.cfg.Store != "" {
		// The file is written before the hash is kept, so that a crash
		// between the two leaves a token that the next start keeps.
		if stored, err = st.SetAdminTokenHash(ctx, h[:]); err != nil {
			return "", nil, fmt.Errorf("keep the admin token hash: %w", err)
		}
		if err := sameToken(token, stored, tokenPath(dataDir)); err != nil {
			if !created {
				return "", nil, err
			}
			// Another node initialised the store at the same moment:
			// its token is the cluster's.
			return "", stored, os.Remove(tokenPath(dataDir))
		}
	}
	if created {
		fmt.Fprintf(s.cfg.Stdout, "Admin token (shown once; kept in %s): %s\n", tokenPath(dataDir), token)
	}
	return token, h[:], nil
}

// sameToken refuses a token whose hash is not the store's.
func sameToken(token string, stored []byte, file string) error {
	h := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(stored, h[:]) != 1 {
		return fmt.Errorf("%s is not the admin token of the store's cluster: copy the admin-token file of the node that initialised the store over it, or remove it (docs/cluster.md)", file)
	}
	return nil
}

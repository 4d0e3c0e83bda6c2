package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
	"github.com/tollgate-gw/tollgate/internal/store/storetest"
)

// testSealer returns a sealer under a fixed master key.
func testSealer(t *testing.T) *secret.Sealer {
	t.Helper()
	s, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data"), testSealer(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(context.Background(), dir, testSealer(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, filepath.Join(dir, FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("Stat(%s): %v", path, err)
		}
		if got := fi.Mode() &^ 0o022; got != want&^0o022 || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: got mode %v, want %v", path, fi.Mode(), want)
		}
	}
}

func TestMigrationsRunOnce(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for range 2 {
		s, err := Open(ctx, dir, testSealer(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s.Close()
	}
	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	all, err := sqlstore.Migrations("sqlite")
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}
	var n, last int
	if err := s.reader.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &last); err != nil {
		t.Fatalf("schema_migrations: %v", err)
	}
	if n != len(all) || last != all[len(all)-1].Version {
		t.Errorf("schema_migrations: got %d rows up to %d, want %d up to %d", n, last, len(all), all[len(all)-1].Version)
	}
}

func TestPragmas(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.writer.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("writer PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
		}
		if err := s.reader.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("reader PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
		}
	}
	if _, err := s.reader.Exec(`DELETE FROM groups`); err == nil {
		t.Errorf("a reader connection accepted a write")
	}
}

// TestRefusesNewerSchema: a database that a newer Tollgate migrated
// further than this build knows is refused at start, saying so.
func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := sqlstore.Migrations("sqlite")
	future := all[len(all)-1].Version + 1
	if _, err := s.writer.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sqlite.sql', 0)`, future); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, dir, testSealer(t))
	if !errors.Is(err, sqlstore.ErrNewerSchema) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", future)) {
		t.Errorf("Open of a schema at version %d: got %v, want ErrNewerSchema naming the version", future, err)
	}
}

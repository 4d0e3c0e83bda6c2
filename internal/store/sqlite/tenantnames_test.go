package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
)

// TestTenantNamesMigration opens a database written before names became
// unique per tenant (schema version 4) and checks that the migration keeps
// every group, user and key (with the key's authorization: the rebuild of
// the users and keys tables must not cascade), computes the compared
// names, and keeps a pair of names that were distinct before and collide
// under the new comparison rather than failing the start.
func TestTenantNamesMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName)+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := sqlstore.MigrateTo(ctx, engine, db, 4); err != nil {
		t.Fatalf("migrations up to 4: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO accounts (pin, name, status, created_at, updated_at) VALUES ('a', 'a', 'active', 1, 1), ('b', 'b', 'active', 1, 1)`,
		`INSERT INTO groups (id, name, dialect, language, owner, created_at, updated_at) VALUES
			('g-1', 'shop', 'jdcloud', 'en', 'a', 1, 1),
			('g-2', 'Shop', 'jdcloud', 'en', 'a', 2, 2),
			('g-3', 'ｓｈｏｐ２', 'jdcloud', 'en', 'b', 3, 3)`,
		`INSERT INTO users (name, pin, email, status, created_at, updated_at) VALUES
			('alice', 'a', 'alice@example.com', 'active', 1, 1),
			('Alice', 'a', '', 'active', 2, 2)`,
		`INSERT INTO keys (access_key, pin, user_name, kind, enabled, secret, created_at) VALUES
			('AK1', 'a', 'alice', 'signature', 1, x'00', 1),
			('AK2', 'a', NULL, 'signature', 1, x'00', 1)`,
		`INSERT INTO authorizations (id, group_id, environment, access_key, apis, created_at) VALUES ('z-1', 'g-1', 'online', 'AK1', '[]', 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatalf("Open after the migration: %v", err)
	}
	defer s.Close()
	count := func(q string) int {
		var n int
		if err := s.reader.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM groups`:         3,
		`SELECT COUNT(*) FROM users`:          2,
		`SELECT COUNT(*) FROM keys`:           2,
		`SELECT COUNT(*) FROM authorizations`: 1,
		// The older of the colliding names gets the key, the newer keeps
		// NULL; the full-width name is keyed by its ASCII form.
		`SELECT COUNT(*) FROM groups WHERE id = 'g-1' AND name_key = 'shop'`:   1,
		`SELECT COUNT(*) FROM groups WHERE id = 'g-2' AND name_key IS NULL`:    1,
		`SELECT COUNT(*) FROM groups WHERE id = 'g-3' AND name_key = 'shop2'`:  1,
		`SELECT COUNT(*) FROM users WHERE name = 'Alice' AND name_key IS NULL`: 1,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: got %d, want %d", q, got, want)
		}
	}
	// The foreign keys are on again and name users by account: deleting
	// a's alice takes her key and its authorization with her.
	if err := s.DeleteUser(ctx, "a", "alice"); err != nil {
		t.Fatal(err)
	}
	if got := count(`SELECT COUNT(*) FROM keys`) + count(`SELECT COUNT(*) FROM authorizations`); got != 1 {
		t.Errorf("keys and authorizations after deleting the user: got %d rows, want 1 (AK2)", got)
	}
	// New names are checked against the keyed ones.
	g := model.Group{Name: "SHOP", Owner: "a"}
	g.ApplyDefaults()
	if _, err := s.CreateGroup(ctx, g); !errcode.Has(err, errcode.GroupNameRepeat) {
		t.Errorf("CreateGroup SHOP for a after the migration: got %v, want GroupNameRepeat", err)
	}
	g.Owner = "b"
	if _, err := s.CreateGroup(ctx, g); err != nil {
		t.Errorf("CreateGroup SHOP for b after the migration: %v", err)
	}
}

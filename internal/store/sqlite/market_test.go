package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
)

// TestMarketMigration upgrades a database of schema version 3, the last
// before the market, that holds a group and an authorization: the group
// reads with status "" (active) and the authorization with no quota, and
// the market works on them.
func TestMarketMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName)+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.MigrateTo(ctx, engine, db, 3); err != nil {
		t.Fatalf("migrations up to 3: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO accounts (pin, name, status, created_at, updated_at) VALUES ('acme', 'acme', 'active', 1, 1)`,
		`INSERT INTO groups (id, name, dialect, language, created_at, updated_at) VALUES ('g-old', 'old', 'jdcloud', 'en', 1, 1)`,
		`INSERT INTO authorizations (id, group_id, environment, pin, apis, created_at) VALUES ('au-old', 'g-old', 'test', 'acme', '[]', 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, FileName), 0o600); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatalf("Open of a version 3 database: %v", err)
	}
	defer s.Close()
	if g, err := s.Group(ctx, "g-old"); err != nil || g.Status != "" {
		t.Errorf("Group stored before statuses: got status %q, %v; want \"\"", g.Status, err)
	}
	if a, err := s.Authorization(ctx, "g-old", "au-old"); err != nil || a.DailyLimit != 0 || a.TotalCalls != 0 {
		t.Errorf("Authorization stored before quotas: got %+v, %v; want no quota", a, err)
	}
	p, err := s.CreatePlan(ctx, model.Plan{GroupID: "g-old", Name: "gold", PricePerCall: 3})
	if err != nil {
		t.Fatalf("CreatePlan on an upgraded database: %v", err)
	}
	if _, err := s.CreateSubscription(ctx, p.Terms("acme")); err != nil {
		t.Fatalf("CreateSubscription on an upgraded database: %v", err)
	}
	c, err := s.LoadCallers(ctx)
	if err != nil || len(c.Market.Subscriptions) != 1 || c.Market.Credits["acme"] != 0 || len(c.Market.Credits) != 1 {
		t.Errorf("LoadCallers on an upgraded database: got market %+v, %v", c.Market, err)
	}
}

// TestOneCurrentSubscription: the schema itself refuses a second
// subscription of a pin to a group that has not ended, should the store's
// own ending of the previous one ever be bypassed.
func TestOneCurrentSubscription(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	defer s.Close()
	a := model.Account{Pin: "acme"}
	a.ApplyDefaults()
	if _, err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	g := model.Group{Name: "shop"}
	g.ApplyDefaults()
	g, err := s.CreateGroup(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePlan(ctx, model.Plan{GroupID: g.ID, Name: "free"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.CreateSubscription(ctx, p.Terms("acme"))
	if err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO subscriptions (id, pin, plan_id, group_id, price_per_call, daily_limit, total_calls, qps, paid, created_at, ended_at)
		VALUES (?, 'acme', ?, ?, 0, 0, 0, 0, 0, 1, ?)`
	if _, err := s.writer.ExecContext(ctx, insert, "sub-second", p.ID, g.ID, nil); err == nil {
		t.Errorf("a second subscription not ended beside %s: got no error", sub.ID)
	}
	if _, err := s.writer.ExecContext(ctx, insert, "sub-ended", p.ID, g.ID, 2); err != nil {
		t.Errorf("an ended subscription beside %s: %v", sub.ID, err)
	}
}

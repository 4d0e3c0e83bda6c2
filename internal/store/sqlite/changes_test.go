package sqlite

import (
	"context"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestChangeLogPrunes checks that the change log keeps its last 100,000
// entries, and that a reader behind the pruned ones is told to reload in
// full rather than given a partial list.
func TestChangeLogPrunes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	defer s.Close()
	a := model.Account{Pin: "behind", Name: "behind"}
	a.ApplyDefaults()
	if _, err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	c, err := s.Changes(ctx, 0)
	if err != nil || c.Full || len(c.Pins) != 1 {
		t.Fatalf("Changes(0) after one write = %+v, %v; want the account", c, err)
	}
	early := c.Version
	// 101,000 changes in one transaction, as many writes would log them.
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 101000)
		INSERT INTO changes (kind, id) SELECT 'pin', 'p' || (i % 7) FROM n`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 101000 {
		t.Errorf("the log holds %d changes after 101,001, want the oldest pruned", n)
	}
	c, err = s.Changes(ctx, early)
	if err != nil || !c.Full {
		t.Errorf("Changes(%d), behind the pruned entries, = %+v, %v; want Full", early, c, err)
	}
	recent := c.Version - 10
	c, err = s.Changes(ctx, recent)
	if err != nil || c.Full || len(c.Pins) == 0 {
		t.Errorf("Changes(%d), within the log, = %+v, %v; want the pins changed since", recent, c, err)
	}
}

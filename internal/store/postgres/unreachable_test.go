package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
)

// TestUnreachableDatabaseIsUnavailable: while the database cannot be
// reached, a write and a read are refused with errcode.Unavailable (503,
// try again), not OperationFailed (a 500); once it is back, the same write
// succeeds.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	r := pgtest.NewRelay(t, pgtest.Start(t))
	s, err := Open(context.Background(), r.DSN(), testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	r.SetDown(true)
	_, err = s.CreateGroup(ctx, model.Group{Name: "while-down", Dialect: errcode.DialectJDCloud, Language: errcode.English})
	if !errcode.Has(err, errcode.Unavailable) {
		t.Errorf("CreateGroup with the database down: %v, want %s", err, errcode.Unavailable.Name)
	}
	if _, err := s.Group(ctx, "g-nothing"); !errcode.Has(err, errcode.Unavailable) {
		t.Errorf("Group with the database down: %v, want %s", err, errcode.Unavailable.Name)
	}

	r.SetDown(false)
	var g model.Group
	for try := 0; ; try++ {
		// The pool may first hand out a connection the cut broke.
		g, err = s.CreateGroup(ctx, model.Group{Name: "after", Dialect: errcode.DialectJDCloud, Language: errcode.English})
		if err == nil || try == 5 {
			break
		}
	}
	if err != nil || g.ID == "" {
		t.Errorf("CreateGroup once the database is back: %+v, %v", g, err)
	}
}

package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
)

// TestCommitCut: a write whose connection breaks after its COMMIT was
// sent may have committed; it must never be answered "unavailable, try
// again" then, since trying again would make it twice (a recharge credited
// twice). The store asks the database what became of the transaction:
// committed is a success, reported once; when the database cannot be asked
// (it went down with the COMMIT), the outcome is unknown, which is an
// error other than Unavailable. Either way the recharge is made once.
func TestCommitCut(t *testing.T) {
	tests := []struct {
		name string
		down bool // the database goes away with the COMMIT
	}{
		{"connection broken, database up", false},
		{"database down", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pgtest.NewRelay(t, pgtest.Start(t))
			s, err := Open(context.Background(), r.DSN(), testSealer(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := s.CreateAccount(ctx, model.Account{Pin: "acme", Name: "Acme", Status: model.AccountActive}); err != nil {
				t.Fatal(err)
			}

			r.CutAtCommit(tt.down)
			_, credit, err := s.Recharge(ctx, model.Recharge{Pin: "acme", Amount: 500})
			switch {
			case !tt.down && (err != nil || credit != 500):
				t.Errorf("a recharge whose COMMIT arrived, its connection then broken: credit %d, %v; want 500 and no error", credit, err)
			case tt.down && (!errors.Is(err, sqlstore.ErrCommitUnknown) || errcode.Has(err, errcode.Unavailable)):
				t.Errorf("a recharge whose COMMIT arrived as the database went down: %v; want sqlstore.ErrCommitUnknown, not %s (try again)",
					err, errcode.Unavailable.Name)
			}

			r.SetDown(false)
			// The database may still be committing what the relay cut
			// off; the pool may first hand out a connection the cut broke.
			var got model.Money
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if got, err = s.Credit(ctx, "acme"); err == nil && got != 0 {
					break
				}
			}
			if err != nil || got != 500 {
				t.Errorf("credit once the database answers: %d, %v; want 500, the recharge made once", got, err)
			}
		})
	}
}

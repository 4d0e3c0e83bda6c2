package postgres

import (
	"context"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testSealer returns a sealer under a fixed master key.
func testSealer(t testing.TB) *secret.Sealer {
	t.Helper()
	s, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openTest opens a store on a new database, closed when t ends.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.Start(t), testSealer(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), pgtest.Start(t), testSealer(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

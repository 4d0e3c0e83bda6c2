package pgtest

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// TestStart: each call gives a database of its own, empty, on a server
// that runs as someone other than root.
func TestStart(t *testing.T) {
	ctx := context.Background()
	var names []string
	for range 2 {
		dsn := Start(t)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect to %s: %v", dsn, err)
		}
		defer conn.Close(ctx)
		var db string
		var tables int
		if err := conn.QueryRow(ctx, `SELECT current_database(),
			(SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public')`).Scan(&db, &tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("database %s: got %d tables, want an empty database", db, tables)
		}
		if _, err := conn.Exec(ctx, `CREATE TABLE t (id INTEGER)`); err != nil {
			t.Fatalf("CREATE TABLE in %s: %v", db, err)
		}
		names = append(names, db)
	}
	if names[0] == names[1] {
		t.Errorf("two Starts gave the same database %s", names[0])
	}
	if os.Geteuid() == 0 {
		fi, err := os.Stat(shared.dir)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Sys().(*syscall.Stat_t).Uid == 0 {
			t.Errorf("the server's directory belongs to root; postgres refuses to run as root")
		}
	}
}

// TestMissingBinaries: with no PostgreSQL anywhere, the error says what
// to install.
func TestMissingBinaries(t *testing.T) {
	_, err := findBin([]string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("findBin with no binaries: got %v, want an error naming apt-get install postgresql", err)
	}
}

// TestRelay: a connection through a relay works while it is up; taking it
// down breaks that connection and refuses new ones; up again, a new
// connection works.
func TestRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := NewRelay(t, Start(t))
	conn, err := pgx.Connect(ctx, r.DSN())
	if err != nil {
		t.Fatalf("connect through the relay: %v", err)
	}
	defer conn.Close(ctx)
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("ping through the relay: %v", err)
	}

	r.SetDown(true)
	if err := conn.Ping(ctx); err == nil {
		t.Errorf("ping on a connection the relay cut: no error")
	}
	if c, err := pgx.Connect(ctx, r.DSN()); err == nil {
		c.Close(ctx)
		t.Errorf("connect through a relay that is down: no error")
	}

	r.SetDown(false)
	c, err := pgx.Connect(ctx, r.DSN())
	if err != nil {
		t.Fatalf("connect through the relay up again: %v", err)
	}
	c.Close(ctx)
}

package postgres

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store/sqlstore"
)

// TestNodesStartTogether: nodes opening one new database at the same
// time all start, and each migration is applied once.
func TestNodesStartTogether(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t)
	const nodes = 4
	var wg sync.WaitGroup
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dsn, testSealer(t)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
		defer stores[i].Close()
	}
	all, err := sqlstore.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	var rows, distinct, last int
	if err := stores[0].reader.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations`).Scan(&rows, &distinct, &last); err != nil {
		t.Fatal(err)
	}
	if rows != len(all) || distinct != len(all) || last != all[len(all)-1].Version {
		t.Errorf("schema_migrations after %d nodes started together: %d rows, %d versions, up to %d; want %d, %d, up to %d",
			nodes, rows, distinct, last, len(all), len(all), all[len(all)-1].Version)
	}
}

// TestRefusesNewerSchema: a database that a newer Tollgate migrated
// further than this build knows is refused at start, saying so.
func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t)
	s, err := Open(ctx, dsn, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := sqlstore.Migrations("postgres")
	future := all[len(all)-1].Version + 1
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future.postgres.sql', 0)`, future); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, dsn, testSealer(t))
	if !errors.Is(err, sqlstore.ErrNewerSchema) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", future)) {
		t.Errorf("Open of a schema at version %d: got %v, want ErrNewerSchema naming the version", future, err)
	}
}

// TestOpenRefusesAnotherMasterKey: a node started with another master key
// than the store's first node fails at once, and says where to look.
func TestOpenRefusesAnotherMasterKey(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t)
	s, err := Open(ctx, dsn, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	other, _ := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if _, err = Open(ctx, dsn, other); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("Open with another master key: got %v", err)
	}
}

// TestKeyLimitAcrossNodes: the key limit holds for keys created through
// two nodes at once, each with its own connections.
func TestKeyLimitAcrossNodes(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t)
	var nodes []*Store
	for range 2 {
		s, err := Open(ctx, dsn, testSealer(t), sqlstore.WithMaxKeys(10))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		nodes = append(nodes, s)
	}
	if _, err := nodes[0].CreateAccount(ctx, model.Account{Pin: "acme", Name: "acme", Status: model.AccountActive}); err != nil {
		t.Fatal(err)
	}
	const n = 30
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := nodes[i%2].CreateKey(ctx, model.Key{Pin: "acme", Kind: model.KeySignature})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	made, refused := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			made++
		case errcode.Has(err, errcode.KeyLimitReached):
			refused++
		default:
			t.Errorf("CreateKey: %v", err)
		}
	}
	if made != 10 || refused != n-10 {
		t.Errorf("%d keys created at once through two nodes with a limit of 10: %d made, %d refused; want 10 and %d", n, made, refused, n-10)
	}
}

// TestNoSecretAtRest: the secrets of keys, MFA and backend headers are
// nowhere in the database's rows, in clear or hex.
func TestNoSecretAtRest(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.CreateAccount(ctx, model.Account{Pin: "acme", Name: "acme", Status: model.AccountActive}); err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateKey(ctx, model.Key{Pin: "acme", Kind: model.KeySignature})
	if err != nil {
		t.Fatal(err)
	}
	mfa := []byte("JBSWY3DPEHPK3PXP-totp-secret")
	if _, err := s.SetMFA(ctx, "acme", mfa, nil); err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateGroup(ctx, model.Group{Name: "shop", Dialect: "jdcloud", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	header := "Bearer " + string(secret.NewSecret())
	if _, err := s.PutBackend(ctx, model.Backend{GroupID: g.ID, Environment: model.EnvOnline, Type: model.BackendHTTP,
		URLs: []string{"http://10.0.0.1"}, TimeoutMs: 1000, Headers: map[string]string{"Authorization": header}}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var dump bytes.Buffer
	for _, table := range tables {
		r, err := s.reader.QueryContext(ctx, `SELECT row_to_json(t)::text FROM `+table+` t`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var row string
			r.Scan(&row)
			dump.WriteString(row)
		}
		r.Close()
	}
	if !bytes.Contains(dump.Bytes(), []byte(k.AccessKey)) {
		t.Fatal("the dump lacks the key's access key; the search proves nothing")
	}
	for what, value := range map[string][]byte{"key secret": k.Secret, "MFA secret": mfa, "backend header": []byte(header)} {
		for _, spelling := range [][]byte{value, []byte(hex.EncodeToString(value))} {
			if bytes.Contains(dump.Bytes(), spelling) {
				t.Errorf("the database holds the %s", what)
			}
		}
	}
}

package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// searchFiles fails t if a file of dir holds a needle in any encoding.
func searchFiles(t *testing.T, when, dir string, needles [][]byte, files ...string) {
	t.Helper()
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			if os.IsNotExist(err) && strings.HasSuffix(f, "-wal") {
				continue
			}
			t.Fatalf("%s: %v", when, err)
		}
		found += len(b)
		for i, n := range needles {
			for enc, needle := range encodings(n) {
				if bytes.Contains(b, needle) {
					t.Errorf("%s: %s holds header value %d (%s)", when, f, i, enc)
				}
			}
		}
	}
	if found == 0 {
		t.Fatalf("%s: the files are empty; the search proves nothing", when)
	}
}

// TestNoBackendHeaderAtRest saves backends whose headers carry
// credentials, then searches the database file and its write-ahead log
// for the values; they still come back whole to the data plane.
func TestNoBackendHeaderAtRest(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateGroup(ctx, model.Group{Name: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	bearer, apiKey := "Bearer "+string(secret.NewSecret()), string(secret.NewSecret())
	values := [][]byte{[]byte(bearer), []byte(apiKey)}
	h := model.Backend{GroupID: g.ID, Environment: model.EnvOnline, Type: model.BackendHTTP, URLs: []string{"http://10.0.0.1"},
		Headers: map[string]string{"Authorization": bearer, "X-Api-Key": apiKey}, SavedBy: model.SavedByTenant}
	h.ApplyDefaults()
	if _, err := s.PutBackend(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAPI(ctx, model.API{GroupID: g.ID, Name: "x", Method: "GET", Path: "/x", MatchType: model.MatchAbsolute, BackendPath: "/x", BackendMethod: "GET"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRevision(ctx, g.ID, "1.0.0", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(ctx, g.ID, "1.0.0", model.EnvOnline); err != nil {
		t.Fatal(err)
	}
	searchFiles(t, "open", dir, values, FileName, FileName+"-wal")
	s.Close()
	searchFiles(t, "closed", dir, values, FileName)

	s, err = Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Backend(ctx, g.ID, model.EnvOnline)
	if err != nil || got.Headers["Authorization"] != bearer || got.Headers["X-Api-Key"] != apiKey || got.SavedBy != model.SavedByTenant {
		t.Errorf("Backend: got %+v, %v", got, err)
	}
	pubs, err := s.LoadPublished(ctx)
	if err != nil || len(pubs) != 1 || pubs[0].Backend.Headers["X-Api-Key"] != apiKey || pubs[0].Backend.SavedBy != model.SavedByTenant {
		t.Fatalf("LoadPublished: got %+v, %v", pubs, err)
	}

	// Sealed headers moved onto another backend do not open there.
	if _, err := s.PutBackend(ctx, model.Backend{GroupID: g.ID, Environment: model.EnvTest, Type: model.BackendMock, Status: 200}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec(`UPDATE backends SET sealed_headers = (SELECT sealed_headers FROM backends WHERE environment = 'online') WHERE environment = 'test'`); err != nil {
		t.Fatal(err)
	}
	_, err = s.Backend(ctx, g.ID, model.EnvTest)
	if !errcode.Has(err, errcode.OperationFailed) || !strings.Contains(err.Error(), g.ID) || strings.Contains(err.Error(), apiKey) {
		t.Errorf("Backend with moved headers: got %v", err)
	}
}

// TestLegacyHeadersSealedOnOpen: a backend saved before headers were
// sealed (clear headers, no sealed_headers) is sealed when the store
// opens, and its clear value leaves the file.
func TestLegacyHeadersSealedOnOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateGroup(ctx, model.Group{Name: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	token := "Bearer " + string(secret.NewSecret())
	if _, err := s.writer.Exec(`INSERT INTO backends (group_id, environment, type, urls, timeout_ms, headers, status, body, updated_at)
		VALUES (?, 'online', 'http', '["http://10.0.0.1"]', 1000, ?, 0, '', 0)`, g.ID, `{"Authorization":"`+token+`"}`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !bytes.Contains(b, []byte(token)) {
		t.Fatal("the legacy row is not in the file; the test proves nothing")
	}

	s, err = Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	searchFiles(t, "after the upgrade", dir, [][]byte{[]byte(token)}, FileName, FileName+"-wal")
	got, err := s.Backend(ctx, g.ID, model.EnvOnline)
	if err != nil || got.Headers["Authorization"] != token || got.SavedBy != model.SavedByOperator {
		t.Errorf("Backend: got %+v, %v", got, err)
	}
	s.Close()
	searchFiles(t, "closed", dir, [][]byte{[]byte(token)}, FileName)
}

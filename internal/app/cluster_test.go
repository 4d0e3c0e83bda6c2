package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// node starts a Tollgate on store with the data directory dir.
func node(t *testing.T, store, dir string, demo bool) (*Server, error) {
	t.Helper()
	// These nodes reload only when asked, so that a test sees what each
	// reload does; TestNodesServeEachOthersChanges polls.
	s, err := Start(context.Background(), Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: dir, Store: store, Demo: demo,
		ReloadEvery: -1})
	if err == nil {
		t.Cleanup(func() { s.Shutdown(context.Background()) })
	}
	return s, err
}

// groupNames lists the groups s's admin API answers with token.
func groupNames(t *testing.T, s *Server, token string) (int, []string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.AdminAddr().String()+"/v1/groups", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Groups []struct{ Name string } `json:"groups"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	var names []string
	for _, g := range body.Groups {
		names = append(names, g.Name)
	}
	return resp.StatusCode, names
}

// copyFile copies the file name from one data directory to another.
func copyFile(t *testing.T, from, to, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(from, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestNodesShareAStore: nodes started on one PostgreSQL store with the
// first node's master key serve one configuration and accept one admin
// token, which only the first node keeps in its data directory; a node
// with another master key or another token is refused at start.
func TestNodesShareAStore(t *testing.T) {
	dsn := pgtest.Start(t)
	root := t.TempDir()
	dirA, dirB := filepath.Join(root, "a"), filepath.Join(root, "b")

	a, err := node(t, dsn, dirA, true)
	if err != nil {
		t.Fatalf("first node: %v", err)
	}
	token := a.AdminToken
	if b, err := os.ReadFile(filepath.Join(dirA, "admin-token")); err != nil || strings.TrimSpace(string(b)) != token || token == "" {
		t.Fatalf("the first node's admin-token file: got %q, %v; want its token %q", b, err, token)
	}

	copyFile(t, dirA, dirB, secret.KeyFileName)
	b, err := node(t, dsn, dirB, true)
	if err != nil {
		t.Fatalf("second node with the first's master key: %v", err)
	}
	if b.AdminToken != "" {
		t.Errorf("second node: AdminToken %q, want none of its own", b.AdminToken)
	}
	if _, err := os.Stat(filepath.Join(dirB, "admin-token")); !os.IsNotExist(err) {
		t.Errorf("second node wrote an admin-token file (%v); only the node that initialised the store has one", err)
	}
	for name, s := range map[string]*Server{"first": a, "second": b} {
		if code, groups := groupNames(t, s, token); code != http.StatusOK || len(groups) != 1 || groups[0] != "demo" {
			t.Errorf("%s node: GET /v1/groups with the cluster's token: got %d %v, want 200 [demo] (created once)", name, code, groups)
		}
		if code, _ := groupNames(t, s, "tg_not-the-token"); code != http.StatusUnauthorized {
			t.Errorf("%s node: GET /v1/groups with another token: got %d, want 401", name, code)
		}
	}

	// Both nodes' counters take the store's data directory id.
	idA, _, errA := limit.ReadDataID(filepath.Join(dirA, CountersDir))
	idB, _, errB := limit.ReadDataID(filepath.Join(dirB, CountersDir))
	if errA != nil || errB != nil || idA == "" || idA != idB {
		t.Errorf("counters' data directory ids: first %q (%v), second %q (%v); want one id", idA, errA, idB, errB)
	}

	// A node whose data directory holds a copy of the token starts with it.
	dirC := filepath.Join(root, "c")
	copyFile(t, dirA, dirC, secret.KeyFileName)
	copyFile(t, dirA, dirC, "admin-token")
	if c, err := node(t, dsn, dirC, false); err != nil {
		t.Errorf("node with a copy of the token: %v", err)
	} else if c.AdminToken != token {
		t.Errorf("node with a copy of the token: token %q, want the cluster's", c.AdminToken)
	}

	refusals := []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"another master key", func(string) {}, "master key"},
		{"another admin token", func(dir string) {
			copyFile(t, dirA, dir, secret.KeyFileName)
			os.WriteFile(filepath.Join(dir, "admin-token"), []byte("tg_another\n"), 0o600)
		}, "is not the admin token of the store's cluster"},
	}
	for _, tt := range refusals {
		dir := filepath.Join(root, strings.ReplaceAll(tt.name, " ", "-"))
		tt.setup(dir)
		if _, err := node(t, dsn, dir, false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("node with %s: got %v, want an error with %q", tt.name, err, tt.want)
		}
	}

	// The first node restarts on its token.
	a.Shutdown(context.Background())
	if a, err = node(t, dsn, dirA, true); err != nil {
		t.Errorf("first node restarted: %v", err)
	} else if a.AdminToken != token {
		t.Errorf("first node restarted: token %q, want its token", a.AdminToken)
	}
}

// TestStoreFlag: a store that is no postgres:// URL is refused.
func TestStoreFlag(t *testing.T) {
	if _, err := node(t, "mysql://127.0.0.1/tollgate", t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("Start with a mysql:// store: got %v, want a refusal naming postgres://", err)
	}
}

// TestNodesInitialiseTogether: nodes started at once on a new store agree
// on one admin token, which one of them keeps in its data directory.
func TestNodesInitialiseTogether(t *testing.T) {
	dsn := pgtest.Start(t)
	root := t.TempDir()
	key := secret.NewKey()
	const n = 3
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = filepath.Join(root, string(rune('a'+i)))
		if err := os.MkdirAll(dirs[i], 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirs[i], secret.KeyFileName), []byte(key+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { servers[i], errs[i] = node(t, dsn, dirs[i], true) })
	}
	wg.Wait()
	var tokens []string
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if tok := servers[i].AdminToken; tok != "" {
			tokens = append(tokens, tok)
		}
	}
	if len(tokens) != 1 {
		t.Fatalf("nodes started together: %d hold a token, want 1", len(tokens))
	}
	for i, s := range servers {
		if code, groups := groupNames(t, s, tokens[0]); code != http.StatusOK || len(groups) != 1 {
			t.Errorf("node %d: GET /v1/groups with the token: got %d %v, want 200 and the demo group once", i, code, groups)
		}
	}
}

// TestNodeReloadPatchesOthersChanges: a group created through one node
// is not served by another until that one reloads (nothing propagates
// it), and its reload then reads it from the shared change log as a
// patch of that group, not a full load.
func TestNodeReloadPatchesOthersChanges(t *testing.T) {
	dsn := pgtest.Start(t)
	root := t.TempDir()
	dirA, dirB := filepath.Join(root, "a"), filepath.Join(root, "b")
	a, err := node(t, dsn, dirA, true)
	if err != nil {
		t.Fatalf("first node: %v", err)
	}
	copyFile(t, dirA, dirB, secret.KeyFileName)
	b, err := node(t, dsn, dirB, true)
	if err != nil {
		t.Fatalf("second node: %v", err)
	}

	// A new group takes the jdcloud dialect and English by default.
	groupID := createGroup(t, a, "made-on-a")
	if _, ok := a.snapshots.Load().Env(groupID, model.EnvTest); !ok {
		t.Errorf("the first node does not serve the group it created")
	}
	// The store's notification may have had the second node reload
	// already (TestChangesReachOtherNodes); either way, its reload is a
	// patch, of the one group or of nothing left to do.
	st, err := b.loader.Load(context.Background())
	if err != nil {
		t.Fatalf("second node's reload: %v", err)
	}
	if st.Full || st.Groups > 1 || st.Pins != 0 {
		t.Errorf("second node's reload: %+v, want a patch of at most the one group made on the first node", st)
	}
	if _, ok := b.snapshots.Load().Env(groupID, model.EnvTest); !ok {
		t.Errorf("the second node does not serve the group after its reload")
	}
}

// TestNodesServeEachOthersChanges: with a shared store, a node serves what
// another node changed within its reload interval, without a restart or a
// write of its own. Both nodes poll every 50 ms here (a second by default).
func TestNodesServeEachOthersChanges(t *testing.T) {
	dsn := pgtest.Start(t)
	root := t.TempDir()
	start := func(dir string) *Server {
		s, err := Start(context.Background(), Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: dir, Store: dsn,
			ReloadEvery: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Shutdown(context.Background()) })
		return s
	}
	dirA, dirB := filepath.Join(root, "a"), filepath.Join(root, "b")
	a := start(dirA)
	copyFile(t, dirA, dirB, secret.KeyFileName)
	b := start(dirB)

	groupID := createGroup(t, a, "made-on-a")
	// The second node's data plane knows the group once its poll ran.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := http.NewRequest(http.MethodGet, "http://"+b.Addr().String()+"/", nil)
		r.Host = groupID + "-test.localhost"
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "APIGW_SERVICE_NOT_FOUND") {
			break // known: the group answers for itself
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second node still does not know the group made on the first: %d %s", resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChangesReachOtherNodes: with polling off, a change made through one
// node reaches another through the store's notifications alone. Over 200
// changes (groups created through the first node) it prints how long the
// second took to serve each, from the first node's answer; it asserts only
// that every one arrived, since speed is for benchmarks.
func TestChangesReachOtherNodes(t *testing.T) {
	dsn := pgtest.Start(t)
	root := t.TempDir()
	dirA, dirB := filepath.Join(root, "a"), filepath.Join(root, "b")
	a, err := node(t, dsn, dirA, false)
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, dirA, dirB, secret.KeyFileName)
	b, err := node(t, dsn, dirB, false)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	took := make([]time.Duration, 0, n)
	for i := range n {
		groupID := createGroup(t, a, fmt.Sprintf("change-%d", i))
		answered := time.Now()
		for {
			if _, ok := b.snapshots.Load().Env(groupID, model.EnvTest); ok {
				break
			}
			if time.Since(answered) > 10*time.Second {
				t.Fatalf("change %d: the second node does not serve group %s after 10 s", i, groupID)
			}
			time.Sleep(200 * time.Microsecond)
		}
		took = append(took, time.Since(answered))
	}
	slices.Sort(took)
	at := func(q float64) time.Duration { return took[min(len(took)-1, int(q*float64(len(took))))] }
	t.Logf("%d changes made through one node, served by the other after: p50 %v, p90 %v, p99 %v, max %v",
		n, at(0.5), at(0.9), at(0.99), took[len(took)-1])
}

// createGroup creates a group named name through s's admin API and returns
// its id, failing the test unless the answer is 201 with an id.
func createGroup(t *testing.T, s *Server, name string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name})
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.AdminAddr().String()+"/v1/groups", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		GroupID string `json:"groupId"`
	}
	json.NewDecoder(resp.Body).Decode(&created)
	if resp.StatusCode != http.StatusCreated || created.GroupID == "" {
		t.Fatalf("POST /v1/groups %q: %d %+v, want 201 and the group's id", name, resp.StatusCode, created)
	}
	return created.GroupID
}

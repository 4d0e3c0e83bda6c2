package admin

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

const token = "s3cret-admin-token"

// harness is an admin API over a real SQLite store in a temporary
// directory, counting the reloads its writes wait for (changes), on a
// clock that moves only when told.
type harness struct {
	t       testing.TB
	h       http.Handler
	srv     *server
	store   store.Store
	clock   *limit.ManualClock
	changes atomic.Int64
	// debugger stands in for the data plane (debug_test.go).
	debugger recordingDebugger
}

// countingReloader counts the reloads the edge waits for: one per accepted
// write. Triggers it is not waited on are not counted.
type countingReloader atomic.Int64

func (c *countingReloader) Trigger() uint64 { return 1 }

func (c *countingReloader) Wait(context.Context, uint64) error {
	(*atomic.Int64)(c).Add(1)
	return nil
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	sealer, err := secret.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), dir, sealer)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	hs := &harness{t: t, store: st, clock: limit.NewManualClock(time.Now().UTC().Truncate(time.Second))}
	hs.srv = newServer(Config{Store: st, Token: token, Clock: hs.clock, Reloads: (*countingReloader)(&hs.changes), Debugger: &hs.debugger})
	// A password hash of the real cost takes a good part of a second,
	// several under the race detector: tests hash at a low cost, in the
	// same format, which CheckPassword reads the cost from.
	hs.srv.hashPassword = cheapHash
	hs.srv.checkNoPassword = func(string) bool { return false }
	hs.h = hs.srv.handler()
	return hs
}

// cheapHash is secret.HashPassword at 1000 iterations.
func cheapHash(password string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	dk, err := pbkdf2.Key(sha256.New, password, salt, 1000, 32)
	enc := base64.RawStdEncoding
	return "pbkdf2-sha256$1000$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(dk), err
}

// response is what a call returned.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// errStatus returns the body's error.status, the code of a refusal.
func (r response) errStatus() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["status"].(string)
	return s
}

// code returns the code of a refusal in dialect d's envelope.
func (r response) code(d errcode.Dialect) string {
	switch d {
	case errcode.DialectMarket:
		s, _ := r.body["code"].(string)
		return s
	case errcode.DialectZenith:
		n, _ := r.body["error_code"].(float64)
		return strconv.Itoa(int(n))
	case errcode.DialectTencent:
		n, _ := r.body["code"].(float64)
		return strconv.Itoa(int(n))
	}
	return r.errStatus()
}

// message returns the message of a refusal in dialect d's envelope.
func (r response) message(d errcode.Dialect) string {
	var s string
	switch d {
	case errcode.DialectMarket:
		s, _ = r.body["msg"].(string)
	case errcode.DialectZenith:
		s, _ = r.body["error_message"].(string)
	case errcode.DialectTencent:
		s, _ = r.body["message"].(string)
	default:
		s = r.errMessage()
	}
	return s
}

func (r response) errMessage() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// str returns a top-level string field of the body.
func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// do calls the API with the admin token.
func (hs *harness) do(method, path, body string) response {
	hs.t.Helper()
	return hs.call(method, path, body, http.Header{"Authorization": {"Bearer " + token}})
}

func (hs *harness) call(method, path, body string, header http.Header) response {
	hs.t.Helper()
	req := hs.request(method, path, body)
	for k, v := range header {
		req.Header[k] = v
	}
	return hs.serve(req)
}

// request returns a request to the API from 192.0.2.1.
func (hs *harness) request(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.1:40000"
	return req
}

// serve runs req through the API and reads the answer.
func (hs *harness) serve(req *http.Request) response {
	hs.t.Helper()
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if res.raw != "" && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			hs.t.Fatalf("%s %s: body is not a JSON object: %v: %s", req.Method, req.URL.Path, err, res.raw)
		}
	}
	return res
}

// must calls the API and fails unless it answered status.
func (hs *harness) must(method, path, body string, status int) response {
	hs.t.Helper()
	res := hs.do(method, path, body)
	if res.status != status {
		hs.t.Fatalf("%s %s: got status %d, want %d: %s", method, path, res.status, status, res.raw)
	}
	return res
}

// fixture is a group with two APIs (one with a path variable), a mock
// test backend, revision 1.0.0 and that revision deployed to test and
// online.
type fixture struct {
	group, api, other string
}

func (hs *harness) fixture() fixture {
	hs.t.Helper()
	var f fixture
	f.group = hs.must("POST", "/v1/groups", `{"name":"shop","description":"the shop"}`, 201).str("groupId")
	g := "/v1/groups/" + f.group
	f.api = hs.must("POST", g+"/apis", `{"name":"getUser","method":"GET","path":"/users/{id}","params":[{"name":"id","in":"path","type":"integer"}]}`, 201).str("apiId")
	hs.must("POST", g+"/revisions", `{"revision":"1.0.0"}`, 201)
	f.other = hs.must("POST", g+"/apis", `{"name":"listUsers","method":"GET","path":"/users"}`, 201).str("apiId")
	hs.must("PUT", g+"/backends/test", `{"type":"mock","body":"hi"}`, 200)
	hs.must("POST", g+"/deployments", `{"revision":"1.0.0","environment":"test"}`, 201)
	hs.must("POST", g+"/deployments", `{"revision":"1.0.0","environment":"online"}`, 201)
	return f
}

// state is a digest of everything the store holds, to prove that a
// refused request changed nothing.
func (hs *harness) state() string {
	hs.t.Helper()
	ctx := context.Background()
	st := hs.store
	all := store.Page{Number: 1, Size: 1000}
	var parts []any
	groups, _, err := st.ListGroups(ctx, all)
	if err != nil {
		hs.t.Fatalf("ListGroups: %v", err)
	}
	parts = append(parts, groups)
	for _, g := range groups {
		apis, _, _ := st.ListAPIs(ctx, g.ID, all)
		revs, _, _ := st.ListRevisions(ctx, g.ID, all)
		deps, _ := st.Deployments(ctx, g.ID)
		errs, _ := st.ListGroupErrors(ctx, g.ID)
		parts = append(parts, apis, revs, deps, errs)
		for _, env := range []string{"test", "preview", "online"} {
			b, err := st.Backend(ctx, g.ID, model.Environment(env))
			if err == nil {
				parts = append(parts, b)
			}
		}
	}
	for p := 1; ; p++ {
		accounts, total, err := st.ListAccounts(ctx, store.Page{Number: p, Size: 100})
		if err != nil {
			hs.t.Fatalf("ListAccounts: %v", err)
		}
		parts = append(parts, accounts)
		for _, a := range accounts {
			users, _, _ := st.ListUsers(ctx, a.Pin, all)
			roles, _, _ := st.ListRoles(ctx, a.Pin, all)
			keys, _, _ := st.ListKeys(ctx, a.Pin, all)
			mfa, _ := st.MFASecret(ctx, a.Pin)
			subs, _ := st.ListSubscriptions(ctx, a.Pin)
			recharges, _ := st.ListRecharges(ctx, a.Pin)
			parts = append(parts, users, roles, keys, mfa, subs, recharges)
			for _, u := range users {
				parts = append(parts, u.PasswordHash)
			}
			for _, k := range keys {
				full, _ := st.Key(ctx, k.AccessKey)
				parts = append(parts, full.Secret, full.PreviousSecret)
			}
		}
		if p*100 >= total {
			break
		}
	}
	for _, g := range groups {
		auths, _, _ := st.ListAuthorizations(ctx, g.ID, all)
		plans, _ := st.ListPlans(ctx, g.ID)
		parts = append(parts, auths, plans)
	}
	bl, _, _ := st.ListBlacklist(ctx, all)
	parts = append(parts, bl)
	b, _ := json.Marshal(parts)
	return string(b)
}

// Package e2e tests Tollgate whole: the server started by app.Start on
// port 0 (and, in binary_test.go, the real binary), configured through its
// admin API and called through its data plane, against real HTTP backends.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
)

// server is a running Tollgate with clients for both listeners.
type server struct {
	t      testing.TB
	s      *app.Server // nil for a server in another process
	token  string      // the admin token
	admin  string      // http://127.0.0.1:port
	data   string      // 127.0.0.1:port
	client *http.Client
}

func start(t testing.TB, cfg app.Config) *server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.AdminListen == "" {
		cfg.AdminListen = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	s, err := app.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &server{
		t: t, s: s, token: s.AdminToken,
		admin:  "http://" + s.AdminAddr().String(),
		data:   s.Addr().String(),
		client: &http.Client{Timeout: 10 * time.Second},
	}
}

// response is an answer with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	return m
}

// errorStatus returns the jdcloud envelope's error.status.
func (r response) errorStatus(t testing.TB) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	s, _ := e["status"].(string)
	return s
}

func (s *server) do(req *http.Request) response {
	s.t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// call sends an admin request with the admin token; body is marshalled
// to JSON unless it is a string.
func (s *server) call(method, path string, body any) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.admin+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	return s.do(req)
}

// mustCall is call that fails the test unless the status is want.
func (s *server) mustCall(want int, method, path string, body any) map[string]any {
	s.t.Helper()
	r := s.call(method, path, body)
	if r.status != want {
		s.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.status, r.body, want)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(s.t)
}

// get calls the data plane for host (e.g. "demo.localhost") and path.
func (s *server) get(host, path string, header ...string) response {
	s.t.Helper()
	req, _ := http.NewRequest("GET", "http://"+s.data+path, nil)
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(req)
}

// publish creates a group with one API and a backend in env, and deploys
// revision 1.0.0 there. It returns the group id.
func (s *server) publish(group map[string]any, api map[string]any, env string, backend map[string]any) string {
	s.t.Helper()
	id := s.mustCall(201, "POST", "/v1/groups", group)["groupId"].(string)
	s.mustCall(201, "POST", "/v1/groups/"+id+"/apis", api)
	s.mustCall(200, "PUT", "/v1/groups/"+id+"/backends/"+env, backend)
	s.mustCall(201, "POST", "/v1/groups/"+id+"/revisions", map[string]any{"revision": "1.0.0"})
	s.mustCall(201, "POST", "/v1/groups/"+id+"/deployments", map[string]any{"revision": "1.0.0", "environment": env})
	return id
}

// TestMain stops the PostgreSQL the cluster tests start (pgtest).
func TestMain(m *testing.M) { pgtest.Main(m) }

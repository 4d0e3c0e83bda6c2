package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/admin"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// TestErrorsGroup runs `tollgate errors --group` against a real admin
// API: it lists the group's own codes, then the built-in codes its
// dialect's backends may raise, and none a backend may not.
func TestErrorsGroup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	sealer, err := secret.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), dir, sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const token = "t0ken-for-the-test"
	srv := httptest.NewServer(admin.New(admin.Config{Store: st, Token: token}))
	t.Cleanup(srv.Close)
	call := func(method, path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		return m
	}
	g := call("POST", "/v1/groups", `{"name":"vision","dialect":"zenith","language":"zh"}`)
	gid, _ := g["groupId"].(string)
	call("POST", "/v1/groups/"+gid+"/errors", `{"code":"70001","http":429,"message":{"en":"The model's quota is used up","zh":"模型配额已用完"}}`)

	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"errors", "--group", gid, "--admin", srv.URL}, args...), &out, &errOut)
		return out.String(), errOut.String(), code
	}
	out, errOut, code := run("--token", token)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[1], "70001") || !strings.Contains(lines[1], "group") || !strings.Contains(lines[1], "The model's quota is used up") {
		t.Fatalf("the group's own code first, got:\n%s", out)
	}
	for _, want := range []string{"3001 ", "5503 ", "1110 ", "Face detect failed!"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, never := range []string{"12010", "NOT_FOUND", "10000"} {
		if strings.Contains(out, never) {
			t.Errorf("output has %q, which a zenith group's backend cannot raise", never)
		}
	}

	// JSON, in Chinese, with the token from the environment.
	t.Setenv("TOLLGATE_ADMIN_TOKEN", token)
	out, errOut, code = run("--format", "json", "--lang", "zh")
	var entries []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &entries) != nil || len(entries) < 2 || entries[0]["code"] != "70001" || entries[0]["family"] != "group" {
		t.Fatalf("--format json: exit %d %s %.200s", code, errOut, out)
	}

	// The token of the data directory; a wrong token is the admin API's
	// refusal, told as it is.
	t.Setenv("TOLLGATE_ADMIN_TOKEN", "")
	wrong := t.TempDir()
	os.WriteFile(filepath.Join(wrong, "admin-token"), []byte("wrong\n"), 0o600)
	if _, errOut, code = run("--data", wrong); code != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("a wrong token: exit %d, %s", code, errOut)
	}
	if _, errOut, code = run("--data", t.TempDir()); code != 2 || !strings.Contains(errOut, "no token") {
		t.Errorf("no token: exit %d, %s", code, errOut)
	}
}

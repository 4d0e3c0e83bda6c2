package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/cli"
)

// tollgateCLI runs `tollgate args...` in process and returns its exit code,
// standard output and standard error.
func tollgateCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestImportExportCommands: tollgate import and export, against a running
// server's admin API with the token read from its data directory: a dry
// run changes nothing, an import creates the document's APIs, an export
// of the group imported again changes nothing, and the refusals come back
// as the admin API's envelope with a non-zero exit.
func TestImportExportCommands(t *testing.T) {
	data := t.TempDir()
	s := start(t, app.Config{DataDir: data})
	group := s.mustCall(201, "POST", "/v1/groups", map[string]any{"name": "pets"})["groupId"].(string)
	common := []string{"--admin", s.admin, "--data", data, "--group", group}
	doc := filepath.Join("..", "..", "internal", "openapi", "testdata", "petstore-3.0.yaml")

	apis := func() int {
		return len(s.mustCall(200, "GET", "/v1/groups/"+group+"/apis", nil)["apis"].([]any))
	}
	code, out, errs := tollgateCLI(append([]string{"import", doc, "--dry-run"}, common...)...)
	if code != 0 || !strings.Contains(out, `"dryRun":true`) {
		t.Fatalf("import --dry-run: exit %d\n%s\n%s", code, out, errs)
	}
	if n := apis(); n != 0 {
		t.Fatalf("after a dry run the group has %d APIs, want 0", n)
	}
	code, out, errs = tollgateCLI(append([]string{"import", doc}, common...)...)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errs)
	}
	imported := apis()
	if imported == 0 {
		t.Fatalf("import created no API:\n%s", out)
	}

	code, exported, errs := tollgateCLI(append([]string{"export", "--format", "yaml"}, common...)...)
	if code != 0 || !strings.Contains(exported, "openapi: 3.1") {
		t.Fatalf("export: exit %d\n%.300s\n%s", code, exported, errs)
	}
	again := filepath.Join(t.TempDir(), "exported.yaml")
	if err := os.WriteFile(again, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = tollgateCLI(append([]string{"import", again, "--dry-run"}, common...)...)
	if code != 0 {
		t.Fatalf("import of the export: exit %d\n%s\n%s", code, out, errs)
	}
	var plan map[string]any
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	for _, k := range []string{"added", "changed", "removed", "conflicts"} {
		if v, ok := plan[k].([]any); ok && len(v) > 0 {
			t.Errorf("importing the export would change %s: %v", k, v)
		}
	}

	empty := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(empty, nil, 0o600)
	code, _, errs = tollgateCLI(append([]string{"import", empty}, common...)...)
	if code != 1 || !strings.Contains(errs, "APIGATEWAY_SWAGGER_NULL_ERRO") {
		t.Errorf("import of an empty file: exit %d, stderr %s; want 1 and APIGATEWAY_SWAGGER_NULL_ERRO", code, errs)
	}
	code, _, errs = tollgateCLI("import", doc, "--admin", s.admin, "--token", "wrong", "--group", group)
	if code != 1 || !strings.Contains(errs, "401") {
		t.Errorf("import with a wrong token: exit %d, stderr %s; want 1 and a 401", code, errs)
	}
	if code, _, _ := tollgateCLI("export", "--admin", s.admin, "--data", data); code != 2 {
		t.Errorf("export without --group: exit %d, want 2", code)
	}
	if n := apis(); n != imported {
		t.Errorf("refused imports changed the group: %d APIs, want %d", n, imported)
	}
}

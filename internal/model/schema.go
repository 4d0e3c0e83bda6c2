package model

import (
	"bytes"
	"errors"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// errNoLoading refuses every reference a schema makes outside itself.
var errNoLoading = errors.New("a schema may only refer to itself")

// noLoader is the schema compiler's URL loader. A publisher's schema must
// not make the gateway read a file or fetch a URL: the library's default
// loader would read {"$ref": "file:///etc/passwd"}.
type noLoader struct{}

func (noLoader) Load(string) (any, error) { return nil, errNoLoading }

// CompileSchema compiles a JSON Schema (draft 2020-12 unless it names
// another by $schema) that refers only to itself and the drafts'
// meta-schemas.
func CompileSchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "tollgate:///schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	return s, nil
}

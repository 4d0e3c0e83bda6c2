package model

import (
	"bytes"
	"encoding/base64"
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

// byteFormat is OpenAPI's "byte": base64-encoded data (RFC 4648).
var byteFormat = &jsonschema.Format{Name: "byte", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err
}}

// SchemaURL is the name a schema is compiled under; the compiler's
// messages carry it.
const SchemaURL = "tollgate:///schema.json"

// CompileSchema compiles a JSON Schema (draft 2020-12 unless it names
// another by $schema) that refers only to itself and the drafts'
// meta-schemas, asserting formats (OpenAPI's byte among them). It is the
// one compiler of request-body and answer schemas: the API is refused
// when saved with a schema the data plane could not use, by the same code
// that compiles it for the data plane.
func CompileSchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(byteFormat)
	if err := c.AddResource(SchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaURL)
}

package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// parsed is a document read and validated, as OpenAPI 3.
type parsed struct {
	doc *openapi3.T
	// from is the version the document was written in: "2.0", "3.0"
	// or "3.1".
	from string
	tree *tree
}

// parse reads data (Swagger 2.0 or OpenAPI 3.x, YAML or JSON) after the
// checks of readTree, and validates it.
func parse(ctx context.Context, data []byte, lim Limits) (*parsed, error) {
	t, err := readTree(data, lim)
	if err != nil {
		return nil, err
	}
	swagger, _ := t.resolve("/swagger")
	oas, _ := t.resolve("/openapi")
	switch {
	case swagger != nil && oas == nil:
		if swagger.Value != "2.0" {
			return nil, parseError(swagger.Line, "/swagger", "Swagger version %q; 2.0 is read", swagger.Value)
		}
		return parseSwagger(ctx, t)
	case oas != nil && swagger == nil:
		if !strings.HasPrefix(oas.Value, "3.0") && !strings.HasPrefix(oas.Value, "3.1") {
			return nil, parseError(oas.Line, "/openapi", "OpenAPI version %q; 3.0 and 3.1 are read", oas.Value)
		}
		return parseOpenAPI3(ctx, data, t)
	case oas != nil:
		return nil, parseError(oas.Line, "/openapi", "both swagger and openapi are set")
	}
	return nil, parseError(t.root.Line, "", "neither swagger: \"2.0\" nor openapi: \"3.x\" is set")
}

// parseOpenAPI3 loads an OpenAPI 3.0 or 3.1 document. External
// references are refused by readTree already; the loader is told to
// refuse them too.
func parseOpenAPI3(ctx context.Context, data []byte, t *tree) (*parsed, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, t.problem(err)
	}
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, t.problem(err)
	}
	from := "3.0"
	if doc.IsOpenAPI31OrLater() {
		from = "3.1"
	}
	return &parsed{doc: doc, from: from, tree: t}, nil
}

// parseSwagger loads a Swagger 2.0 document and converts it to OpenAPI 3.
func parseSwagger(ctx context.Context, t *tree) (*parsed, error) {
	var v any
	if err := t.root.Decode(&v); err != nil {
		return nil, t.problem(err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, t.problem(err)
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, t.problem(err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, t.problem(err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	if err := loader.ResolveRefsIn(doc, nil); err != nil {
		return nil, t.problem(err)
	}
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, t.problem(err)
	}
	return &parsed{doc: doc, from: "2.0", tree: t}, nil
}

// Patterns of the parser's messages that name where they are.
var (
	kinPath      = regexp.MustCompile(`invalid path (/[^:]*): invalid operation ([A-Z]+)`)
	kinOperation = regexp.MustCompile(`operation ([A-Z]+) (/\S*)`)
	kinPathOnly  = regexp.MustCompile(`invalid path (/[^:]*)`)
	kinComponent = regexp.MustCompile(`invalid components: (schema|parameter|response|requestBody|header|securityScheme|example|link|callback) "([^"]+)"`)
	kinField     = regexp.MustCompile(`value of ([A-Za-z]+) must be`)
)

// problem turns a parser error into the import's refusal, with the
// pointer the message names, as far as it names one, and its line.
func (t *tree) problem(err error) error {
	var tooMuch *yaml.TypeError
	_ = errors.As(err, &tooMuch)
	msg := err.Error()
	ptr := ""
	if m := kinPath.FindStringSubmatch(msg); m != nil {
		ptr = pointerJoin("/paths", m[1], strings.ToLower(m[2]))
	} else if m := kinOperation.FindStringSubmatch(msg); m != nil {
		ptr = pointerJoin("/paths", m[2], strings.ToLower(m[1]))
	} else if m := kinPathOnly.FindStringSubmatch(msg); m != nil {
		ptr = pointerJoin("/paths", m[1])
	} else if m := kinComponent.FindStringSubmatch(msg); m != nil {
		section := map[string]string{"schema": "schemas", "parameter": "parameters", "response": "responses",
			"requestBody": "requestBodies", "header": "headers", "securityScheme": "securitySchemes",
			"example": "examples", "link": "links", "callback": "callbacks"}[m[1]]
		ptr = pointerJoin("/components", section, m[2])
	} else if m := kinField.FindStringSubmatch(msg); m != nil {
		ptr = pointerJoin("", m[1])
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil && ptr == "" {
		return parseError(atoi(m[1]), "", "%s", msg)
	}
	return parseError(t.line(ptr), ptr, "%s", msg)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

package openapi

import (
	"encoding/json"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// componentSchemas is where a document keeps its named schemas; a schema
// stored for an API keeps those it uses in its own $defs, so that it
// stands alone (the validate stage compiles it without the document).
const (
	componentSchemas = "#/components/schemas/"
	ownDefs          = "#/$defs/"
)

// maxDefs bounds the named schemas one stored schema may carry.
const maxDefs = 512

// schema converts an operation's schema to a JSON Schema (draft
// 2020-12) that stands alone: every #/components/schemas/X it uses,
// directly or through others, is copied into its $defs and referred to
// as #/$defs/X. A recursive schema stays recursive; nothing is inlined,
// so a document cannot make the result grow past its own size. An
// OpenAPI 3.0 schema's nullable and boolean exclusive bounds become
// their JSON Schema forms. The result is canonical JSON (keys sorted),
// so that reading the same schema twice gives the same bytes.
func (r *reader) schema(s *openapi3.SchemaRef, ptr string) (json.RawMessage, error) {
	top, err := r.schemaValue(s, ptr)
	if err != nil {
		return nil, err
	}
	defs := map[string]any{}
	queue := []string{}
	collect := func(v any) error {
		var walkErr error
		rewriteRefs(v, func(ref string) string {
			name, ok := strings.CutPrefix(ref, componentSchemas)
			if !ok {
				if !strings.HasPrefix(ref, ownDefs) && walkErr == nil {
					walkErr = r.fail(ptr, "schema $ref %s: only #/components/schemas/{name} is kept in a stored schema", ref)
				}
				return ref
			}
			name = unescapeToken(name)
			if _, seen := defs[name]; !seen {
				defs[name] = nil
				queue = append(queue, name)
			}
			return ownDefs + escapeToken(name)
		})
		return walkErr
	}
	if err := collect(top); err != nil {
		return nil, err
	}
	for len(queue) > 0 {
		if len(defs) > maxDefs {
			return nil, r.fail(ptr, "the schema uses more than %d named schemas", maxDefs)
		}
		name := queue[0]
		queue = queue[1:]
		var comp *openapi3.SchemaRef
		if r.p.doc.Components != nil {
			comp = r.p.doc.Components.Schemas[name]
		}
		if comp == nil {
			return nil, r.fail(ptr, "schema $ref names #/components/schemas/%s, which the document does not have", name)
		}
		v, err := r.schemaValue(comp, pointerJoin("/components/schemas", name))
		if err != nil {
			return nil, err
		}
		if err := collect(v); err != nil {
			return nil, err
		}
		defs[name] = v
	}
	if len(defs) > 0 {
		m, ok := top.(map[string]any)
		if !ok {
			m = map[string]any{"allOf": []any{top}}
		}
		own, _ := m["$defs"].(map[string]any)
		if own == nil {
			own = map[string]any{}
		}
		for k, v := range defs {
			own[k] = v
		}
		m["$defs"] = own
		top = m
	}
	return json.Marshal(top)
}

// schemaValue returns a schema as generic JSON, in JSON Schema's
// vocabulary.
func (r *reader) schemaValue(s *openapi3.SchemaRef, ptr string) (any, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, r.fail(ptr, "the schema cannot be written as JSON: %v", err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, r.fail(ptr, "the schema cannot be read back: %v", err)
	}
	if r.p.from != "3.1" {
		from30(v)
	}
	return v, nil
}

// from30 rewrites OpenAPI 3.0's schema dialect into JSON Schema's, in
// place: nullable: true adds "null" to the type, and a boolean
// exclusiveMinimum / exclusiveMaximum becomes the bound itself.
func from30(v any) {
	switch x := v.(type) {
	case map[string]any:
		if n, ok := x["nullable"].(bool); ok {
			delete(x, "nullable")
			if t, ok := x["type"].(string); ok && n {
				x["type"] = []any{t, "null"}
			}
		}
		for _, b := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
			if ex, ok := x[b[0]].(bool); ok {
				delete(x, b[0])
				if bound, has := x[b[1]]; ex && has {
					x[b[0]] = bound
					delete(x, b[1])
				}
			}
		}
		for _, c := range x {
			from30(c)
		}
	case []any:
		for _, c := range x {
			from30(c)
		}
	}
}

// rewriteRefs replaces, in place, every "$ref" string of v by what fn
// returns for it.
func rewriteRefs(v any, fn func(string) string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && k == "$ref" {
				x[k] = fn(s)
				continue
			}
			rewriteRefs(c, fn)
		}
	case []any:
		for _, c := range x {
			rewriteRefs(c, fn)
		}
	}
}

func escapeToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapeToken(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

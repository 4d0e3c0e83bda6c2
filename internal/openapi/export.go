package openapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Server is where an environment serves the group.
type Server struct {
	URL         string
	Environment model.Environment
	Revision    string
}

// Export returns a group's APIs as an OpenAPI 3.1 document, a tree of
// maps ready for JSON or YAML. version is info.version (a revision
// number, or "draft" for the group's current APIs). Named schemas that
// the import kept in an API's $defs are hoisted back into
// components.schemas, so that Read of the export gives the same APIs. An
// API of method ANY has no OpenAPI form: it is listed under
// x-tollgate-not-exported instead.
func Export(g model.Group, version string, apis []model.API, servers []Server) map[string]any {
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   g.Name,
			"version": version,
			"x-tollgate-group": map[string]any{
				"groupId": g.ID,
				"dialect": string(g.Dialect),
			},
		},
	}
	if g.Description != "" {
		doc["info"].(map[string]any)["description"] = g.Description
	}
	if len(servers) > 0 {
		var list []any
		for _, s := range servers {
			list = append(list, map[string]any{
				"url":                    s.URL,
				"description":            string(s.Environment),
				"x-tollgate-environment": string(s.Environment),
				"x-tollgate-revision":    s.Revision,
			})
		}
		doc["servers"] = list
	}
	x := &exporter{components: map[string]any{}}
	paths := map[string]any{}
	var skipped []any
	for _, a := range apis {
		if a.Method == model.MethodAny {
			skipped = append(skipped, map[string]any{"name": a.Name, "method": a.Method, "path": a.Path,
				"reason": "OpenAPI has no operation for every method"})
			continue
		}
		item, _ := paths[a.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[a.Path] = item
		}
		item[strings.ToLower(a.Method)] = x.operation(a)
	}
	doc["paths"] = paths
	if len(x.components) > 0 {
		doc["components"] = map[string]any{"schemas": x.components}
	}
	if len(skipped) > 0 {
		doc["x-tollgate-not-exported"] = skipped
	}
	return doc
}

// JSON renders an exported document as indented JSON.
func JSON(doc map[string]any) ([]byte, error) {
	return json.MarshalIndent(doc, "", "  ")
}

// YAML renders an exported document as YAML.
func YAML(doc map[string]any) ([]byte, error) {
	// Through JSON, so that raw schemas and numbers read as plain values.
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return yaml.Marshal(v)
}

// exporter gathers the named schemas of every API into one components
// section.
type exporter struct {
	components map[string]any
}

func (x *exporter) operation(a model.API) map[string]any {
	op := map[string]any{"operationId": a.Name}
	if a.Description != "" {
		op["description"] = a.Description
	}
	var params []any
	for _, p := range a.Params {
		params = append(params, parameter(p))
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if b := a.Body; b != nil && (len(b.ContentTypes) > 0 || len(b.Schema) > 0) {
		content := map[string]any{}
		for _, ct := range b.ContentTypes {
			content[ct] = map[string]any{}
		}
		if len(b.Schema) > 0 {
			ct := "application/json"
			if _, ok := content[ct]; !ok {
				for _, c := range slices.Sorted(maps.Keys(content)) {
					if strings.HasSuffix(strings.ToLower(c), "+json") {
						ct = c
						break
					}
				}
			}
			content[ct] = map[string]any{"schema": x.schema(b.Schema)}
		}
		rb := map[string]any{"content": content}
		if b.Required {
			rb["required"] = true
		}
		op["requestBody"] = rb
	}
	if len(a.Responses) > 0 {
		resps := map[string]any{}
		for _, r := range a.Responses {
			key := "default"
			if r.Status != 0 {
				key = strconv.Itoa(r.Status)
			}
			resp := map[string]any{"description": r.Description}
			if r.ContentType != "" {
				mt := map[string]any{}
				if len(r.Schema) > 0 {
					mt["schema"] = x.schema(r.Schema)
				}
				resp["content"] = map[string]any{r.ContentType: mt}
			}
			resps[key] = resp
		}
		op["responses"] = resps
	}
	x.extensions(op, a)
	return op
}

func (x *exporter) extensions(op map[string]any, a model.API) {
	if a.BackendPath != "" && a.BackendPath != a.Path {
		op[extBackendPath] = a.BackendPath
	}
	if a.BackendMethod != "" && a.BackendMethod != a.Method {
		op[extBackendMethod] = a.BackendMethod
	}
	if a.MatchType == model.MatchPrefix {
		op[extMatch] = model.MatchPrefix
	}
	if a.Strict {
		op[extStrict] = true
	}
	if len(a.Protocols) > 0 {
		op[extProtocols] = a.Protocols
	}
	if a.ValidateResponse {
		op[extValidateResponse] = true
	}
	if len(a.Mappings) > 0 {
		op[extMappings] = a.Mappings
	}
	if a.GRPC {
		op[extGRPC] = true
	}
	if a.WebSocket {
		op[extWebSocket] = true
	}
	if b := a.Body; b != nil {
		if b.MaxBytes > 0 {
			op[extMaxBodyBytes] = b.MaxBytes
		}
		if b.Image != nil {
			op[extImage] = b.Image
		}
	}
}

// parameter writes a declared parameter with its rules as a schema.
func parameter(p model.Param) map[string]any {
	in := p.In
	if in == model.InForm {
		in = "x-tollgate-form" // OpenAPI has no form place; see docs/admin-api.md
	}
	out := map[string]any{"name": p.Name, "in": in}
	if p.Required {
		out["required"] = true
	}
	if p.Description != "" {
		out["description"] = p.Description
	}
	s := map[string]any{"type": p.Type}
	if p.Format != "" {
		s["format"] = p.Format
	}
	if len(p.Enum) > 0 {
		var enum []any
		for _, e := range p.Enum {
			enum = append(enum, typed(e, p.Type))
		}
		s["enum"] = enum
	}
	if p.Default != "" {
		s["default"] = typed(p.Default, p.Type)
	}
	if p.Minimum != nil {
		s["minimum"] = *p.Minimum
	}
	if p.Maximum != nil {
		s["maximum"] = *p.Maximum
	}
	if p.MinLength != nil {
		s["minLength"] = *p.MinLength
	}
	if p.MaxLength != nil {
		s["maxLength"] = *p.MaxLength
	}
	if p.Pattern != "" {
		s["pattern"] = p.Pattern
	}
	out["schema"] = s
	return out
}

// typed returns a scalar as the JSON value of its parameter type.
func typed(s model.Scalar, typ string) any {
	switch typ {
	case model.TypeInteger, model.TypeNumber:
		if model.ScalarIs(string(s), typ) {
			return json.Number(s)
		}
	case model.TypeBoolean:
		if s == "true" || s == "false" {
			return s == "true"
		}
	}
	return string(s)
}

// schema returns a stored schema for the document: its $defs move to
// components.schemas (renamed when another API's schema of the same name
// differs) and its #/$defs/ references follow them.
func (x *exporter) schema(raw json.RawMessage) any {
	var probe any
	if err := json.Unmarshal(raw, &probe); err != nil {
		return map[string]any{}
	}
	if m, ok := probe.(map[string]any); !ok || m["$defs"] == nil {
		return probe
	}
	rename := map[string]string{}
	m, defs := hoist(raw, rename)
	clash := false
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		if have, taken := x.components[name]; taken && !sameJSON(have, defs[name]) {
			final := name
			for i := 2; x.components[final] != nil; i++ {
				final = name + "_" + strconv.Itoa(i)
			}
			rename[name] = final
			clash = true
		}
	}
	if clash {
		m, defs = hoist(raw, rename)
	}
	for name, def := range defs {
		final := name
		if r, ok := rename[name]; ok {
			final = r
		}
		x.components[final] = def
	}
	return m
}

// hoist reads a stored schema and takes out its $defs, with every
// #/$defs/X reference turned into #/components/schemas/X, or into the
// name rename gives X.
func hoist(raw json.RawMessage, rename map[string]string) (map[string]any, map[string]any) {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	defs, _ := m["$defs"].(map[string]any)
	delete(m, "$defs")
	fix := func(ref string) string {
		name, ok := strings.CutPrefix(ref, ownDefs)
		if !ok {
			return ref
		}
		name = unescapeToken(name)
		if r, ok := rename[name]; ok {
			name = r
		}
		return componentSchemas + escapeToken(name)
	}
	rewriteRefs(m, fix)
	for _, def := range defs {
		rewriteRefs(def, fix)
	}
	return m, defs
}

func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

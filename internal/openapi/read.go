package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Operation is one API read from a document, with where it was written.
type Operation struct {
	API     model.API
	Pointer string
	Line    int
}

// Document is what Read found in a document.
type Document struct {
	// Version is the version the document was written in: "2.0", "3.0"
	// or "3.1".
	Version    string
	Operations []Operation
	// Warnings are what the document says that an API cannot keep (an
	// array parameter kept as a string, a response range such as 2XX).
	Warnings []Problem
}

// Read parses a Swagger 2.0 or OpenAPI 3.0 / 3.1 document, YAML or JSON,
// and converts each of its operations to an API, defaults applied and
// validated as the store would. Its errors are errcode.ImportEmpty for an
// empty document and errcode.ImportParseError, with the line, the JSON
// pointer and the reason, for one that does not parse, breaks a limit or
// declares an API the gateway would refuse.
func Read(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	p, err := parse(ctx, data, lim)
	if err != nil {
		return nil, err
	}
	r := &reader{p: p, names: map[string]bool{}}
	out := &Document{Version: p.from}
	if p.doc.Paths == nil {
		return out, nil
	}
	paths := p.doc.Paths.Keys()
	slices.Sort(paths)
	// operationIds first, so that a name derived from a path never takes
	// one that a later operation declares.
	for _, path := range paths {
		for _, op := range p.doc.Paths.Value(path).Operations() {
			if op.OperationID != "" {
				r.names[apiName(op.OperationID)] = true
			}
		}
	}
	for _, path := range paths {
		item := p.doc.Paths.Value(path)
		for _, m := range httpMethods {
			op := item.GetOperation(strings.ToUpper(m))
			if op == nil {
				continue
			}
			ptr := pointerJoin("/paths", path, m)
			a, err := r.api(path, strings.ToUpper(m), item, op, ptr)
			if err != nil {
				return nil, err
			}
			out.Operations = append(out.Operations, Operation{API: a, Pointer: ptr, Line: p.tree.line(ptr)})
		}
	}
	out.Warnings = r.warnings
	return out, nil
}

// reader converts one parsed document.
type reader struct {
	p        *parsed
	names    map[string]bool // names taken by operationIds
	warnings []Problem
}

func (r *reader) warn(ptr, format string, args ...any) {
	r.warnings = append(r.warnings, Problem{Line: r.p.tree.line(ptr), Pointer: ptr, Reason: fmt.Sprintf(format, args...)})
}

func (r *reader) fail(ptr, format string, args ...any) error {
	return parseError(r.p.tree.line(ptr), ptr, format, args...)
}

// api converts one operation.
func (r *reader) api(path, method string, item *openapi3.PathItem, op *openapi3.Operation, ptr string) (model.API, error) {
	a := model.API{Method: method, Path: path}
	if op.OperationID != "" {
		a.Name = apiName(op.OperationID)
	} else {
		a.Name = r.derivedName(method, path)
	}
	a.Description = op.Description
	if a.Description == "" {
		a.Description = op.Summary
	}
	if n := utf8.RuneCountInString(a.Description); n > model.MaxDescriptionLen {
		a.Description = string([]rune(a.Description)[:model.MaxDescriptionLen])
		r.warn(ptr, "the description is cut to %d characters", model.MaxDescriptionLen)
	}
	params, err := r.params(item, op, ptr)
	if err != nil {
		return model.API{}, err
	}
	a.Params = params
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		body, err := r.body(op.RequestBody.Value, pointerJoin(ptr, "requestBody"))
		if err != nil {
			return model.API{}, err
		}
		a.Body = body
	}
	if op.Responses != nil {
		resps, err := r.responses(op.Responses, pointerJoin(ptr, "responses"))
		if err != nil {
			return model.API{}, err
		}
		a.Responses = resps
	}
	if err := r.extensions(&a, op.Extensions, ptr); err != nil {
		return model.API{}, err
	}
	if a.Body != nil && isZeroBody(a.Body) {
		a.Body = nil
	}
	a.ApplyDefaults()
	if err := a.Validate(); err != nil {
		return model.API{}, r.fail(ptr, "%s %s cannot be an API: %s", method, path, reason(err))
	}
	return a, nil
}

// reason is the message of err without its code, for a Problem.
func reason(err error) string {
	var e *errcode.Error
	if errors.As(err, &e) {
		s := strings.TrimPrefix(e.Error(), e.Cond.Code()+": ")
		return s
	}
	return err.Error()
}

func isZeroBody(b *model.BodyRules) bool {
	return !b.Required && len(b.ContentTypes) == 0 && b.MaxBytes == 0 && len(b.Schema) == 0 && b.Image == nil
}

// apiName makes an operationId a valid API name: characters other than
// letters, digits, - and _ become _, and it is cut to model.MaxNameLen.
func apiName(id string) string {
	var b strings.Builder
	n := 0
	for _, c := range id {
		if n == model.MaxNameLen {
			break
		}
		if unicode.IsLetter(c) || unicode.IsDigit(c) || c == '-' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
		n++
	}
	return b.String()
}

// derivedName names an operation without an operationId after its
// method and path ("get_pets_petId"), with a number added when another
// operation has the name.
func (r *reader) derivedName(method, path string) string {
	base := apiName(strings.ToLower(method) + "_" + strings.Trim(strings.NewReplacer("{", "", "}", "").Replace(path), "/"))
	base = strings.TrimRight(base, "_")
	name := base
	for i := 2; r.names[name]; i++ {
		suffix := "_" + strconv.Itoa(i)
		name = base[:min(len(base), model.MaxNameLen-len(suffix))] + suffix
	}
	r.names[name] = true
	return name
}

// params converts the path item's and the operation's parameters (the
// operation's win on the same place and name).
func (r *reader) params(item *openapi3.PathItem, op *openapi3.Operation, ptr string) ([]model.Param, error) {
	type entry struct {
		p   *openapi3.Parameter
		ptr string
	}
	var list []entry
	index := map[string]int{}
	add := func(refs openapi3.Parameters, base string) {
		for i, pr := range refs {
			if pr == nil || pr.Value == nil {
				continue
			}
			k := pr.Value.In + " " + pr.Value.Name
			e := entry{pr.Value, pointerJoin(base, "parameters", strconv.Itoa(i))}
			if j, ok := index[k]; ok {
				list[j] = e
				continue
			}
			index[k] = len(list)
			list = append(list, e)
		}
	}
	add(item.Parameters, ptr[:strings.LastIndex(ptr, "/")])
	add(op.Parameters, ptr)
	params := make([]model.Param, 0, len(list))
	for _, e := range list {
		p, ok, err := r.param(e.p, e.ptr)
		if err != nil {
			return nil, err
		}
		if ok {
			params = append(params, p)
		}
	}
	return params, nil
}

// param converts one parameter. A parameter of a place the gateway does
// not know is left out with a warning.
func (r *reader) param(p *openapi3.Parameter, ptr string) (model.Param, bool, error) {
	out := model.Param{Name: p.Name, Required: p.Required}
	switch p.In {
	case openapi3.ParameterInPath:
		out.In = model.InPath
	case openapi3.ParameterInQuery:
		out.In = model.InQuery
	case openapi3.ParameterInHeader:
		out.In = model.InHeader
	case openapi3.ParameterInCookie:
		out.In = model.InCookie
	default:
		r.warn(ptr, "a parameter in %q is left out", p.In)
		return out, false, nil
	}
	out.Description = p.Description
	s := p.Schema
	if s == nil {
		for _, mt := range p.Content {
			s = mt.Schema
			break
		}
	}
	out.Type = model.TypeString
	if s == nil || s.Value == nil {
		return out, true, nil
	}
	v := s.Value
	typ := scalarType(v.Type)
	if typ == "" {
		if v.Type != nil && len(*v.Type) > 0 {
			r.warn(ptr, "parameter %q of type %v is kept as a string", p.Name, []string(*v.Type))
		}
		typ = model.TypeString
	}
	out.Type = typ
	out.Format = v.Format
	out.Pattern = v.Pattern
	out.Minimum = v.Min
	out.Maximum = v.Max
	if v.MinLength > 0 {
		n := int(min(v.MinLength, 1<<31-1))
		out.MinLength = &n
	}
	if v.MaxLength != nil {
		n := int(min(*v.MaxLength, 1<<31-1))
		out.MaxLength = &n
	}
	for _, e := range v.Enum {
		sc, ok := scalar(e)
		if !ok {
			return out, false, r.fail(ptr, "parameter %q: enum value %v is not a string, number or boolean", p.Name, e)
		}
		out.Enum = append(out.Enum, sc)
	}
	if v.Default != nil {
		sc, ok := scalar(v.Default)
		if !ok {
			return out, false, r.fail(ptr, "parameter %q: default %v is not a string, number or boolean", p.Name, v.Default)
		}
		out.Default = sc
	}
	return out, true, nil
}

// scalarType returns the model type of an OpenAPI type list ("null" set
// aside), or "" when it is not one scalar type.
func scalarType(t *openapi3.Types) string {
	if t == nil {
		return ""
	}
	found := ""
	for _, x := range *t {
		switch x {
		case "null":
		case model.TypeString, model.TypeInteger, model.TypeNumber, model.TypeBoolean:
			if found != "" {
				return ""
			}
			found = x
		default:
			return ""
		}
	}
	return found
}

// scalar returns a JSON scalar's text.
func scalar(v any) (model.Scalar, bool) {
	switch x := v.(type) {
	case string:
		return model.Scalar(x), true
	case bool:
		return model.Scalar(strconv.FormatBool(x)), true
	case float64:
		return model.Scalar(strconv.FormatFloat(x, 'f', -1, 64)), true
	case int:
		return model.Scalar(strconv.Itoa(x)), true
	case int64:
		return model.Scalar(strconv.FormatInt(x, 10)), true
	case uint64:
		return model.Scalar(strconv.FormatUint(x, 10)), true
	case json.Number:
		return model.Scalar(x.String()), true
	}
	return "", false
}

// body converts a request body: its content types, and the JSON Schema of
// its JSON content.
func (r *reader) body(rb *openapi3.RequestBody, ptr string) (*model.BodyRules, error) {
	b := &model.BodyRules{Required: rb.Required}
	for _, ct := range slices.Sorted(mapKeys(rb.Content)) {
		b.ContentTypes = append(b.ContentTypes, ct)
	}
	if ct, mt := jsonContent(rb.Content); mt != nil && mt.Schema != nil {
		raw, err := r.schema(mt.Schema, pointerJoin(ptr, "content", ct, "schema"))
		if err != nil {
			return nil, err
		}
		b.Schema = raw
	}
	return b, nil
}

// jsonContent returns the JSON media type of content: application/json,
// else the first (by name) ending in +json.
func jsonContent(c openapi3.Content) (string, *openapi3.MediaType) {
	if mt, ok := c["application/json"]; ok {
		return "application/json", mt
	}
	for _, ct := range slices.Sorted(mapKeys(c)) {
		if strings.HasSuffix(strings.ToLower(ct), "+json") {
			return ct, c[ct]
		}
	}
	return "", nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// responses converts the declared answers; "default" is status 0. A
// range such as 2XX has no one status and is left out with a warning.
func (r *reader) responses(rs *openapi3.Responses, ptr string) ([]model.Response, error) {
	var out []model.Response
	keys := rs.Keys()
	slices.Sort(keys)
	for _, k := range keys {
		ref := rs.Value(k)
		if ref == nil || ref.Value == nil {
			continue
		}
		rptr := pointerJoin(ptr, k)
		status := 0
		if k != "default" {
			n, err := strconv.Atoi(k)
			if err != nil || n < 100 || n > 599 {
				r.warn(rptr, "the response %q is left out: only single statuses and default are kept", k)
				continue
			}
			status = n
		}
		resp := model.Response{Status: status}
		if ref.Value.Description != nil {
			resp.Description = *ref.Value.Description
		}
		ct, mt := jsonContent(ref.Value.Content)
		if mt == nil {
			for _, c := range slices.Sorted(mapKeys(ref.Value.Content)) {
				ct, mt = c, ref.Value.Content[c]
				break
			}
		}
		resp.ContentType = ct
		if mt != nil && mt.Schema != nil {
			raw, err := r.schema(mt.Schema, pointerJoin(rptr, "content", ct, "schema"))
			if err != nil {
				return nil, err
			}
			resp.Schema = raw
		}
		out = append(out, resp)
	}
	slices.SortStableFunc(out, func(a, b model.Response) int { return a.Status - b.Status })
	return out, nil
}

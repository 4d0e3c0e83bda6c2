package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// MaxBodyBytes is the largest request body the admin API reads.
const MaxBodyBytes = 1 << 20

// decode reads r's body, a JSON object, into dst, a pointer to a request
// struct. It refuses, before anything changes:
//   - a body over MaxBodyBytes, empty, not an object, malformed JSON, or
//     with data after the object: ParamValueInvalid with the place;
//   - a field dst does not have, at any depth: ArgumentNotSupport naming
//     it ("params[1].format"). Names must match exactly, where
//     encoding/json alone would accept "NAME" for "name";
//   - a key given twice in one object, at any depth, or in two spellings
//     encoding/json takes for one field ("name" and "Name"):
//     ParamValueInvalid naming the key (duplicatekeys.go);
//   - a value of the wrong type: ParamValueInvalid naming the field.
//
// A field given as null is the same as a field left out.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readRequest(w, r)
	if err != nil {
		return err
	}
	return decodeBody(body, dst)
}

// decodeOptional is decode for operations whose body may be left out:
// an empty body is an empty object.
func decodeOptional(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readRequest(w, r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	return decodeBody(body, dst)
}

// readRequest reads r's body, at most bodyLimit(r).
func readRequest(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := bodyLimit(r)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, bodyInvalid("larger than %d bytes", limit)
		}
		return nil, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "body", Detail: "the body could not be read", Cause: err}
	}
	return body, nil
}

// decodeBody decodes body into dst; see decode.
func decodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return bodyInvalid("empty; a JSON object is required")
	}

	// First pass: syntax and field names, on a generic value.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return syntaxError(err, len(body))
	}
	if _, err := dec.Token(); err != io.EOF {
		return bodyInvalid("unexpected data after the JSON object at offset %d", dec.InputOffset())
	}
	if _, ok := raw.(map[string]any); !ok {
		return bodyInvalid("a JSON object is required")
	}
	if err := duplicateKeys(body); err != nil {
		return err
	}
	if err := knownFields(raw, reflect.TypeOf(dst).Elem(), ""); err != nil {
		return err
	}

	// Second pass: types, into dst.
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return typeError(err)
	}
	return nil
}

func bodyInvalid(format string, args ...any) error {
	return errcode.Newf(errcode.ParamValueInvalid, format, args...)
}

// syntaxError describes malformed JSON: where, and what.
func syntaxError(err error, size int) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return bodyInvalid("malformed JSON after %d bytes (offset %d): %v", syn.Offset, syn.Offset-1, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bodyInvalid("malformed JSON: the body ends at offset %d inside a value", size)
	}
	return bodyInvalid("malformed JSON: %v", err)
}

// typeError describes a value of the wrong type, naming its field.
func typeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &errcode.Error{
			Cond:    errcode.ParamValueInvalid,
			Subject: field,
			Detail:  "want " + jsonType(te.Type) + ", got " + te.Value,
		}
	}
	return bodyInvalid("%v", err)
}

var scalarType = reflect.TypeFor[model.Scalar]()

// jsonType names the JSON type that decodes into t.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	if t == scalarType {
		return "a string, number or boolean"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// knownFields walks a generic JSON value beside the Go type it will be
// decoded into and refuses the first object key, in sorted order, that
// names no field. Values of the wrong shape are left to the decoder.
func knownFields(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			f, ok := fieldByJSONName(t, key)
			if !ok {
				return errcode.New(errcode.ArgumentNotSupport, path+key)
			}
			if err := knownFields(obj[key], f.Type, path+key+"."); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		prefix := strings.TrimSuffix(path, ".")
		for i, el := range arr {
			if err := knownFields(el, t.Elem(), prefix+"["+strconv.Itoa(i)+"]."); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldByJSONName returns the exported field of t whose JSON name is
// exactly name, looking into embedded structs without a JSON name as
// encoding/json does (model.Param embeds model.ParamRules).
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			if ef, ok := fieldByJSONName(f.Type, name); ok {
				return ef, true
			}
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// errArgumentNotSupport refuses a field the operation does not take.
func errArgumentNotSupport(field string) error {
	return errcode.New(errcode.ArgumentNotSupport, field)
}

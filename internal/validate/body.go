package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// maxDetail bounds the part of a message that quotes the schema's
// complaint, which may quote the caller's value.
const maxDetail = 200

// bodySchema is a compiled JSON Schema of a request body.
type bodySchema struct {
	schema *jsonschema.Schema
	// rank orders the property names in the order the schema declares
	// them, so that of several failures the first declared is told.
	rank map[string]int
	// quick accepts, cheaply, the bodies of a schema that uses only the
	// common keywords; nil for any other schema (quick.go).
	quick *quickSchema
}

// printer renders the validator's complaints; English, like every
// detail of a message.
var printer = message.NewPrinter(language.English)

// compileSchema compiles a body's JSON Schema (draft 2020-12 unless it
// says otherwise), asserting formats, with no access to anything outside
// the schema: a $ref to another document fails to compile rather than
// making the gateway fetch it.
func compileSchema(raw []byte) (*bodySchema, error) {
	s, err := model.CompileSchema(raw)
	if err != nil {
		return nil, errcode.Newf(errcode.BodySchemaInvalid, "%s", strings.ReplaceAll(err.Error(), model.SchemaURL, "schema"))
	}
	return &bodySchema{schema: s, rank: propertyRanks(raw), quick: compileQuick(raw)}, nil
}

// check returns the first way body breaks the schema: not JSON at all
// (errcode.BodyMalformed), or the failure that comes first in the
// schema's declaration order, as the condition of its keyword.
func (s *bodySchema) check(body []byte) error {
	if s.quick != nil && s.quick.accepts(body) {
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return refuse(errcode.BodyMalformed, "body", "expected a JSON document")
	}
	err = s.schema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return refuse(errcode.InvalidArgument, "body", "expected a body matching the API's schema")
	}
	var leaves []failure
	collect(ve, &leaves)
	if len(leaves) == 0 {
		return refuse(errcode.InvalidArgument, "body", "expected a body matching the API's schema")
	}
	slices.SortStableFunc(leaves, func(a, b failure) int { return s.compare(a.at, b.at) })
	f := leaves[0]
	detail := f.detail
	if len(detail) > maxDetail {
		detail = detail[:maxDetail] + "…"
	}
	return refuse(f.cond, pointer(f.at), detail)
}

// failure is one way the body breaks the schema: where, as what, and the
// validator's words for it.
type failure struct {
	at     []string
	cond   *errcode.Condition
	detail string
}

// collect appends the leaves of e to out. A failed anyOf, oneOf or not
// is one failure of its own: which branch the caller meant is unknown.
func collect(e *jsonschema.ValidationError, out *[]failure) {
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf, *kind.Not:
		*out = append(*out, failure{e.InstanceLocation, errcode.InvalidArgument, e.ErrorKind.LocalizedString(printer)})
		return
	case *kind.Required:
		for _, name := range k.Missing {
			at := append(slices.Clip(e.InstanceLocation), name)
			*out = append(*out, failure{at, errcode.ArgumentMissing, "a property the schema requires"})
		}
		return
	}
	if len(e.Causes) == 0 {
		*out = append(*out, failure{e.InstanceLocation, conditionOf(e.ErrorKind), e.ErrorKind.LocalizedString(printer)})
		return
	}
	for _, c := range e.Causes {
		collect(c, out)
	}
}

// conditionOf maps a schema keyword's failure to the condition of its
// kind: a missing property, a wrong type or format, a value out of its
// range, enumeration, length or pattern, a property not declared.
func conditionOf(k jsonschema.ErrorKind) *errcode.Condition {
	switch k := k.(type) {
	case *kind.Required, *kind.DependentRequired, *kind.Dependency:
		return errcode.ArgumentMissing
	case *kind.Format:
		if k.Want == "byte" {
			return errcode.ArgumentBadBase64
		}
		return errcode.ArgumentWrongFormat
	case *kind.Type:
		return errcode.ArgumentWrongFormat
	case *kind.Minimum, *kind.Maximum, *kind.ExclusiveMinimum, *kind.ExclusiveMaximum, *kind.MultipleOf,
		*kind.Enum, *kind.Const, *kind.MinLength, *kind.MaxLength, *kind.Pattern,
		*kind.MinItems, *kind.MaxItems, *kind.UniqueItems, *kind.MinProperties, *kind.MaxProperties:
		return errcode.ArgumentOutOfRange
	case *kind.AdditionalProperties, *kind.FalseSchema:
		return errcode.ArgumentUnsupported
	}
	return errcode.InvalidArgument
}

// compare orders two instance locations by the schema's declaration
// order of their property names (array indexes by number), then as text.
func (s *bodySchema) compare(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		ra, rb := s.rankOf(a[i]), s.rankOf(b[i])
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(a[i], b[i])
	}
	return len(a) - len(b)
}

func (s *bodySchema) rankOf(seg string) int {
	if n, err := strconv.Atoi(seg); err == nil && n >= 0 {
		return n
	}
	if r, ok := s.rank[seg]; ok {
		return r
	}
	return 1 << 30
}

// propertyRanks returns the position of each property name in the order
// the schema first declares it (under "properties" or "required"),
// reading raw with a streaming decoder, which keeps the order a map
// would lose.
func propertyRanks(raw []byte) map[string]int {
	rank := map[string]int{}
	d := json.NewDecoder(bytes.NewReader(raw))
	var stack []string // the key each open object or array is under
	key := ""          // the last key read in the current object
	inObject := []bool{}
	expectKey := false
	for {
		t, err := d.Token()
		if err != nil {
			return rank
		}
		switch t := t.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, key)
				inObject = append(inObject, t == '{')
				expectKey = t == '{'
				key = ""
			case '}', ']':
				stack = stack[:len(stack)-1]
				inObject = inObject[:len(inObject)-1]
				expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
				key = ""
			}
			continue
		case string:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			if expectKey {
				key = t
				if parent == "properties" {
					if _, ok := rank[t]; !ok {
						rank[t] = len(rank)
					}
				}
				expectKey = false
				continue
			}
			if parent == "required" && !inObject[len(inObject)-1] {
				if _, ok := rank[t]; !ok {
					rank[t] = len(rank)
				}
			}
		}
		if len(inObject) > 0 && inObject[len(inObject)-1] {
			expectKey = true
		}
	}
}

// pointer names an instance location as the body's JSON pointer (RFC
// 6901) in a URI fragment: body#/items/0/name.
func pointer(at []string) string {
	if len(at) == 0 {
		return "body"
	}
	var b strings.Builder
	b.WriteString("body#")
	for _, seg := range at {
		b.WriteByte('/')
		seg = strings.ReplaceAll(seg, "~", "~0")
		b.WriteString(strings.ReplaceAll(seg, "/", "~1"))
	}
	return b.String()
}

// CheckBody checks body against the JSON Schema raw exactly as the
// validate stage would: the same compiler (which loads nothing outside
// the schema), the same first failure in declaration order, the same
// condition per keyword. The debug call judges a sample body with it
// before sending it.
func CheckBody(raw []byte, body []byte) error {
	s, err := compileSchema(raw)
	if err != nil {
		return err
	}
	return s.check(body)
}

package model

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// ParamFormats are the formats a parameter may declare, each with the
// types it applies to. The data plane (internal/validate) checks every
// one of them but password and binary, which only describe.
var ParamFormats = map[string][]string{
	"date":      {TypeString},
	"date-time": {TypeString},
	"email":     {TypeString},
	"uuid":      {TypeString},
	"ipv4":      {TypeString},
	"ipv6":      {TypeString},
	"uri":       {TypeString},
	"byte":      {TypeString},
	"password":  {TypeString},
	"binary":    {TypeString},
	"int32":     {TypeInteger},
	"int64":     {TypeInteger},
	"float":     {TypeNumber},
	"double":    {TypeNumber},
}

// validateRules checks the rules of parameter p, held in field: a format
// known for its type, enumerated values of its type, a range only on
// numbers and lengths and a pattern only on strings, each bound in order,
// and a pattern that compiles (Go's RE2 syntax, unanchored as in JSON
// Schema).
func validateRules(field string, p Param) error {
	r := &p.ParamRules
	if err := ValidateDescription(field+".description", r.Description); err != nil {
		return err
	}
	if r.Format != "" {
		types, ok := ParamFormats[r.Format]
		if !ok {
			return invalid(field+".format", "%q is not a known format", r.Format)
		}
		if !slices.Contains(types, p.Type) {
			return invalid(field+".format", "format %q does not apply to type %s", r.Format, p.Type)
		}
	}
	for i, e := range r.Enum {
		if !ScalarIs(string(e), p.Type) {
			return invalid(field+".enum["+strconv.Itoa(i)+"]", "%q is not a valid %s", string(e), p.Type)
		}
	}
	numeric := p.Type == TypeInteger || p.Type == TypeNumber
	if (r.Minimum != nil || r.Maximum != nil) && !numeric {
		return invalid(field+".minimum", "a range applies to integer and number parameters, not %s", p.Type)
	}
	if r.Minimum != nil && r.Maximum != nil && *r.Minimum > *r.Maximum {
		return errcode.Newf(errcode.ArgumentsInconsistent, "%s: minimum %g is above maximum %g", field, *r.Minimum, *r.Maximum)
	}
	if (r.MinLength != nil || r.MaxLength != nil || r.Pattern != "") && p.Type != TypeString {
		return invalid(field+".pattern", "lengths and patterns apply to string parameters, not %s", p.Type)
	}
	if r.MinLength != nil && *r.MinLength < 0 {
		return invalid(field+".minLength", "%d is negative", *r.MinLength)
	}
	if r.MaxLength != nil && *r.MaxLength < 0 {
		return invalid(field+".maxLength", "%d is negative", *r.MaxLength)
	}
	if r.MinLength != nil && r.MaxLength != nil && *r.MinLength > *r.MaxLength {
		return errcode.Newf(errcode.ArgumentsInconsistent, "%s: minLength %d is above maxLength %d", field, *r.MinLength, *r.MaxLength)
	}
	if r.Pattern != "" {
		if len(r.Pattern) > maxPatternLen {
			return invalid(field+".pattern", "%d bytes, at most %d allowed", len(r.Pattern), maxPatternLen)
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			return invalid(field+".pattern", "does not compile: %v", err)
		}
	}
	return nil
}

// maxPatternLen bounds a parameter's pattern. Go's regexp runs in time
// linear in the input whatever the pattern, so the bound only keeps the
// compiled program small.
const maxPatternLen = 1024

// checkSchema compiles the body schema of a, as the data plane will:
// one that does not compile is errcode.BodySchemaInvalid.
func (a *API) checkSchema() error {
	if a.Body == nil || len(a.Body.Schema) == 0 {
		return nil
	}
	if _, err := CompileSchema(a.Body.Schema); err != nil {
		return errcode.Newf(errcode.BodySchemaInvalid, "%s", strings.ReplaceAll(err.Error(), SchemaURL, "schema"))
	}
	return nil
}

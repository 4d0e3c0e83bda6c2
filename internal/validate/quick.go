package validate

import (
	"encoding/json"
	"math"
	"unicode/utf8"
)

// quickSchema is a body schema that uses only the keywords most APIs
// declare — type, properties, required, additionalProperties: false,
// minimum, maximum, minLength, maxLength — compiled into a tree that
// checks a body decoded by encoding/json. It only ever accepts: when it
// finds a body wrong, or cannot be sure (a number with more than 15
// digits or an exponent, which a float64 may not hold exactly), the
// library judges the body and names the failure. A well-formed body, the common case, so skips the library's
// decoder (json.Number, its own buffer) and its math/big number checks.
// FuzzQuickAgrees holds that it never accepts what the library refuses.
type quickSchema struct {
	// always: the boolean schema true (accept) or false (never
	// accept); nil for an object schema.
	always *bool
	// typ is "" (any) or one JSON Schema type but "array".
	typ        string
	properties map[string]*quickSchema
	required   []string
	closed     bool // additionalProperties: false
	min, max   *float64
	minLen     int // -1: none
	maxLen     int // -1: none
}

// maxDigits is the most digits a number may have for the quick check to
// judge it: every decimal of at most 15 significant digits (without an
// exponent) is the only one of its kind to round to its float64
// (DBL_DIG), so comparing the float64s compares the decimals exactly,
// and an integral float64 is an integral decimal.
const maxDigits = 15

// plainNumbers reports whether every number of the JSON text b (outside
// its strings) has at most maxDigits digits and no exponent.
func plainNumbers(b []byte) bool {
	inString, escaped, digits := false, false, 0
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString, digits = true, 0
		case '0' <= c && c <= '9':
			if digits++; digits > maxDigits {
				return false
			}
		case (c == 'e' || c == 'E') && digits > 0:
			return false // an exponent
		case c == '.' || c == '-' || c == '+':
		default:
			digits = 0
		}
	}
	return true
}

// compileQuick returns the quick form of the schema raw, or nil when it
// uses anything else (the library alone then judges every body).
func compileQuick(raw []byte) *quickSchema {
	var v any
	if !plainNumbers(raw) || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["$schema"]; ok && s != "https://json-schema.org/draft/2020-12/schema" {
			return nil
		}
	}
	return quickOf(v, 0)
}

func quickOf(v any, depth int) *quickSchema {
	if depth > 32 {
		return nil
	}
	if b, ok := v.(bool); ok {
		return &quickSchema{always: &b}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	q := &quickSchema{minLen: -1, maxLen: -1}
	for k, x := range m {
		switch k {
		case "$schema", "title", "description", "$comment", "examples", "default":
		case "type":
			t, ok := x.(string)
			if !ok || t == "array" || !knownType(t) {
				return nil
			}
			q.typ = t
		case "properties":
			props, ok := x.(map[string]any)
			if !ok {
				return nil
			}
			q.properties = make(map[string]*quickSchema, len(props))
			for name, sub := range props {
				if q.properties[name] = quickOf(sub, depth+1); q.properties[name] == nil {
					return nil
				}
			}
		case "required":
			list, ok := x.([]any)
			if !ok {
				return nil
			}
			for _, n := range list {
				name, ok := n.(string)
				if !ok {
					return nil
				}
				q.required = append(q.required, name)
			}
		case "additionalProperties":
			if b, ok := x.(bool); !ok || b {
				return nil
			}
			q.closed = true
		case "minimum", "maximum":
			f, ok := x.(float64)
			if !ok {
				return nil
			}
			if k == "minimum" {
				q.min = &f
			} else {
				q.max = &f
			}
		case "minLength", "maxLength":
			f, ok := x.(float64)
			if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
				return nil
			}
			if k == "minLength" {
				q.minLen = int(f)
			} else {
				q.maxLen = int(f)
			}
		default:
			return nil
		}
	}
	return q
}

func knownType(t string) bool {
	switch t {
	case "object", "string", "integer", "number", "boolean", "null":
		return true
	}
	return false
}

// accepts reports whether body, JSON, certainly meets the schema.
func (q *quickSchema) accepts(body []byte) bool {
	var v any
	if !plainNumbers(body) || json.Unmarshal(body, &v) != nil {
		return false
	}
	return q.meets(v)
}

func (q *quickSchema) meets(v any) bool {
	if q.always != nil {
		return *q.always
	}
	switch q.typ {
	case "":
	case "object":
		if _, ok := v.(map[string]any); !ok {
			return false
		}
	case "string":
		if _, ok := v.(string); !ok {
			return false
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			return false
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return false
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return false
		}
	case "null":
		if v != nil {
			return false
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, name := range q.required {
			if _, ok := x[name]; !ok {
				return false
			}
		}
		for name, val := range x {
			sub, declared := q.properties[name]
			if !declared {
				if q.closed {
					return false
				}
				continue
			}
			if !sub.meets(val) {
				return false
			}
		}
	case float64:
		if q.min != nil && x < *q.min || q.max != nil && x > *q.max {
			return false
		}
	case string:
		if q.minLen >= 0 || q.maxLen >= 0 {
			n := utf8.RuneCountInString(x)
			if q.minLen >= 0 && n < q.minLen || q.maxLen >= 0 && n > q.maxLen {
				return false
			}
		}
	}
	return true
}

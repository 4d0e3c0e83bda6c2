package model

import (
	"encoding/json"
	"mime"
	"slices"
	"strconv"
)

// More places a parameter may be carried (see InPath, InQuery, InHeader).
const (
	InForm   = "form"   // a field of an application/x-www-form-urlencoded body
	InCookie = "cookie" // a cookie of the Cookie header
)

// Protocols an API may require of its callers (APIRules.Protocols).
const (
	ProtocolHTTP  = "http"
	ProtocolHTTPS = "https"
)

// ParamRules are the checks a declared parameter's value must pass beyond
// its type, in the vocabulary of JSON Schema and OpenAPI so that an
// imported document keeps them. They are embedded in Param.
type ParamRules struct {
	Description string `json:"description,omitempty"`
	// Format names a string format: date, date-time, email, uuid, ipv4,
	// ipv6, uri, byte (base64) among others.
	Format    string   `json:"format,omitempty"`
	Enum      []Scalar `json:"enum,omitempty"`
	Minimum   *float64 `json:"minimum,omitempty"`
	Maximum   *float64 `json:"maximum,omitempty"`
	MinLength *int     `json:"minLength,omitempty"`
	MaxLength *int     `json:"maxLength,omitempty"`
	Pattern   string   `json:"pattern,omitempty"`
}

// APIRules are what an API declares about its calls beyond method, path and
// parameters: what its body and answers must be, over which protocol it may
// be called, and how parameters are mapped for the backend. They are
// embedded in API, stored as one JSON document per API and carried in
// revisions.
type APIRules struct {
	// Strict refuses a parameter the API does not declare.
	Strict bool `json:"strict,omitempty"`
	// Protocols, when not empty, are the protocols a caller may use
	// (ProtocolHTTP, ProtocolHTTPS).
	Protocols []string `json:"protocols,omitempty"`
	// Body is what the request body must be; nil accepts any body.
	Body *BodyRules `json:"body,omitempty"`
	// Responses are the answers the API declares, by status.
	Responses []Response `json:"responses,omitempty"`
	// ValidateResponse checks a 2xx answer against the declared response
	// of its status.
	ValidateResponse bool `json:"validateResponse,omitempty"`
	// Mappings rename or move parameters, or add constants, on the way
	// to the backend.
	Mappings []Mapping `json:"mappings,omitempty"`
}

// BodyRules are what a request body must be.
type BodyRules struct {
	Required bool `json:"required,omitempty"`
	// ContentTypes are the media types accepted (without parameters);
	// empty accepts any.
	ContentTypes []string `json:"contentTypes,omitempty"`
	// MaxBytes bounds the body below the gateway-wide limit; 0: that
	// limit.
	MaxBytes int64 `json:"maxBytes,omitempty"`
	// Schema is the JSON Schema (draft 2020-12) of a JSON body.
	Schema json.RawMessage `json:"schema,omitempty"`
	// Image, when set, requires the body to be a picture.
	Image *ImageRules `json:"image,omitempty"`
}

// ImageRules are what a picture sent as a body must be.
type ImageRules struct {
	Formats   []string `json:"formats,omitempty"` // jpeg, png, gif
	MaxBytes  int64    `json:"maxBytes,omitempty"`
	MaxPixels int64    `json:"maxPixels,omitempty"`
}

// Response is an answer an API declares.
type Response struct {
	// Status is the HTTP status; 0 is the default answer.
	Status      int             `json:"status"`
	Description string          `json:"description,omitempty"`
	ContentType string          `json:"contentType,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
}

// Mapping moves a declared parameter (From) to another place or name for
// the backend (To), or, with From nil, sends Value as To.
type Mapping struct {
	From  *ParamRef `json:"from,omitempty"`
	To    ParamRef  `json:"to"`
	Value string    `json:"value,omitempty"`
}

// ParamRef names a parameter by where it is carried and its name.
type ParamRef struct {
	In   string `json:"in"`
	Name string `json:"name"`
}

// imageFormats are the picture formats the gateway can recognise.
var imageFormats = []string{"jpeg", "png", "gif"}

// ValidateShape checks that r is well formed: known protocols, media types
// that parse, sizes not negative, schemas that are JSON objects, statuses
// that are HTTP statuses, mappings that name a place and a name. Whether a
// schema compiles and a mapping names a declared parameter is checked
// where they are used.
func (r *APIRules) ValidateShape() error {
	for i, p := range r.Protocols {
		if p != ProtocolHTTP && p != ProtocolHTTPS {
			return invalid("protocols["+strconv.Itoa(i)+"]", "%q is not http or https", p)
		}
	}
	if b := r.Body; b != nil {
		for i, ct := range b.ContentTypes {
			if _, _, err := mime.ParseMediaType(ct); err != nil {
				return invalid("body.contentTypes["+strconv.Itoa(i)+"]", "%q is not a media type", ct)
			}
		}
		if b.MaxBytes < 0 {
			return invalid("body.maxBytes", "%d is negative", b.MaxBytes)
		}
		if err := jsonObject("body.schema", b.Schema); err != nil {
			return err
		}
		if im := b.Image; im != nil {
			for i, f := range im.Formats {
				if !slices.Contains(imageFormats, f) {
					return invalid("body.image.formats["+strconv.Itoa(i)+"]", "%q is not one of %v", f, imageFormats)
				}
			}
			if im.MaxBytes < 0 || im.MaxPixels < 0 {
				return invalid("body.image", "maxBytes and maxPixels must not be negative")
			}
		}
	}
	for i, resp := range r.Responses {
		field := "responses[" + strconv.Itoa(i) + "]"
		if resp.Status != 0 && (resp.Status < 100 || resp.Status > 599) {
			return invalid(field+".status", "%d is not an HTTP status", resp.Status)
		}
		if err := jsonObject(field+".schema", resp.Schema); err != nil {
			return err
		}
	}
	for i, m := range r.Mappings {
		field := "mappings[" + strconv.Itoa(i) + "]"
		if m.To.In == "" || m.To.Name == "" {
			return missing(field + ".to")
		}
		if m.From != nil && (m.From.In == "" || m.From.Name == "") {
			return missing(field + ".from")
		}
	}
	return nil
}

// jsonObject checks that raw, when set, is a JSON object (or true/false,
// the two boolean schemas).
func jsonObject(field string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return invalid(field, "not JSON: %v", err)
	}
	switch v.(type) {
	case map[string]any, bool:
		return nil
	}
	return invalid(field, "a schema is a JSON object")
}

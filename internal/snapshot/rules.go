package snapshot

import (
	"fmt"
	"mime"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Rules are the parts of an API's rules (model.APIRules) that the data
// plane checks around the call: the protocols, the body's media type,
// size and picture, the parameter mappings for the backend and the
// schemas of the answers. They are compiled once per snapshot; an API that
// declares none of them has nil Rules, so that a call to it does no work.
// Parameters and the body's JSON Schema are the validate stage's.
type Rules struct {
	// HTTP and HTTPS report whether a caller may use each protocol.
	HTTP, HTTPS bool
	// Body is the declared body rules; nil: any body.
	Body *model.BodyRules
	// ContentTypes are Body's media types, lower case.
	ContentTypes []string
	// MaxBody is the most bytes the body may have: the lower of the
	// body's and the picture's maxBytes; 0: the gateway's limit.
	MaxBody int64
	// Mappings are what the outbound step does to the parameters.
	Mappings []model.Mapping
	// responses are the compiled schemas of the declared answers, by
	// status (0: the default answer), when the API validates them.
	responses map[int]*jsonschema.Schema
}

// ReadsBody reports whether the body must be read whole before the call
// goes upstream: to know its size or its picture.
func (r *Rules) ReadsBody() bool {
	return r.Body != nil && (r.MaxBody > 0 || r.Body.Image != nil)
}

// ChecksResponses reports whether a 2xx answer is validated.
func (r *Rules) ChecksResponses() bool { return r != nil && len(r.responses) > 0 }

// ResponseSchema returns the schema a 2xx answer of status must meet:
// the declared answer of that status, else the default one; nil when
// there is none.
func (r *Rules) ResponseSchema(status int) *jsonschema.Schema {
	if s, ok := r.responses[status]; ok {
		return s
	}
	return r.responses[0]
}

// compileRules compiles what of rules the data plane checks; nil when
// there is nothing to check.
func compileRules(rules *model.APIRules) (*Rules, error) {
	r := &Rules{HTTP: true, HTTPS: true, Mappings: rules.Mappings}
	some := len(rules.Mappings) > 0
	if len(rules.Protocols) > 0 {
		r.HTTP, r.HTTPS = false, false
		for _, p := range rules.Protocols {
			switch p {
			case model.ProtocolHTTP:
				r.HTTP = true
			case model.ProtocolHTTPS:
				r.HTTPS = true
			}
		}
		some = true
	}
	if b := rules.Body; b != nil && (b.Required || len(b.ContentTypes) > 0 || b.MaxBytes > 0 || b.Image != nil) {
		r.Body = b
		for _, ct := range b.ContentTypes {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil {
				return nil, errcode.Newf(errcode.ParamValueInvalid, "body.contentTypes: %q is not a media type", ct)
			}
			r.ContentTypes = append(r.ContentTypes, strings.ToLower(mt))
		}
		r.MaxBody = b.MaxBytes
		if im := b.Image; im != nil && im.MaxBytes > 0 && (r.MaxBody == 0 || im.MaxBytes < r.MaxBody) {
			r.MaxBody = im.MaxBytes
		}
		some = true
	}
	if rules.ValidateResponse {
		for _, resp := range rules.Responses {
			if len(resp.Schema) == 0 || !jsonMedia(resp.ContentType) {
				continue
			}
			s, err := model.CompileSchema(resp.Schema)
			if err != nil {
				return nil, fmt.Errorf("responses[%d].schema: %w", resp.Status, err)
			}
			if r.responses == nil {
				r.responses = make(map[int]*jsonschema.Schema)
			}
			r.responses[resp.Status] = s
			some = true
		}
	}
	if !some {
		return nil, nil
	}
	return r, nil
}

// jsonMedia reports whether an answer declared with content type ct is
// JSON: unset, application/json or a +json type.
func jsonMedia(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	mt = strings.ToLower(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Allowed returns the methods under which some API of e matches path,
// for a request whose method matched none (route.Router.Allowed).
func (e *Env) Allowed(path string) []string { return e.router.Allowed(path) }

package openapi

import (
	"encoding/json"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// extensions applies an operation's x-tollgate-* extensions to a. An
// extension of the wrong shape refuses the document; an unknown
// x-tollgate-* extension too, so that a misspelt one is not silently
// ignored.
func (r *reader) extensions(a *model.API, ext map[string]any, ptr string) error {
	for k, v := range ext {
		if !strings.HasPrefix(k, "x-tollgate-") {
			continue
		}
		p := pointerJoin(ptr, k)
		var err error
		switch k {
		case extBackendPath:
			err = into(v, &a.BackendPath)
		case extBackendMethod:
			err = into(v, &a.BackendMethod)
		case extMatch:
			err = into(v, &a.MatchType)
		case extStrict:
			err = into(v, &a.Strict)
		case extProtocols:
			err = into(v, &a.Protocols)
		case extValidateResponse:
			err = into(v, &a.ValidateResponse)
		case extMappings:
			err = into(v, &a.Mappings)
		case extGRPC:
			err = into(v, &a.GRPC)
		case extWebSocket:
			err = into(v, &a.WebSocket)
		case extMaxBodyBytes:
			if a.Body == nil {
				a.Body = &model.BodyRules{}
			}
			err = into(v, &a.Body.MaxBytes)
		case extImage:
			if a.Body == nil {
				a.Body = &model.BodyRules{}
			}
			err = into(v, &a.Body.Image)
		default:
			return r.fail(p, "unknown extension %s", k)
		}
		if err != nil {
			return r.fail(p, "%s: %v", k, err)
		}
	}
	return nil
}

// into decodes an extension's value into dst, refusing unknown fields.
func into(v any, dst any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

package admin

import (
	"mime"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/validate"
)

// checkDebugBody refuses, with DebugBodyInvalid, a debug call's sample
// body that breaks the body api declares: missing when required, of a
// content type not declared, over the API's maximum, not JSON, or not
// valid against the JSON Schema, where one is declared for a JSON body.
// The data plane's validate stage judges a client's call; a debug call's
// sample is judged before it is sent, so that a publisher learns that the
// sample, not the API, is wrong. A schema that does not compile is
// BodySchemaInvalid.
func checkDebugBody(api *model.API, contentType string, body []byte) error {
	b := api.Body
	if b == nil {
		return nil
	}
	if len(body) == 0 {
		if b.Required {
			return errcode.Newf(errcode.DebugBodyInvalid, "the API requires a body and the sample has none")
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if len(b.ContentTypes) > 0 && !slices.ContainsFunc(b.ContentTypes, func(ct string) bool {
		t, _, _ := mime.ParseMediaType(ct)
		return strings.EqualFold(t, mt)
	}) {
		return errcode.Newf(errcode.DebugBodyInvalid, "the sample's content type %q is not one of %v", contentType, b.ContentTypes)
	}
	if b.MaxBytes > 0 && int64(len(body)) > b.MaxBytes {
		return errcode.Newf(errcode.DebugBodyInvalid, "the sample's body is %d bytes, over the API's %d", len(body), b.MaxBytes)
	}
	if len(b.Schema) == 0 || !isJSON(contentType) && len(b.ContentTypes) > 0 {
		return nil
	}
	err := validate.CheckBody(b.Schema, body)
	if err == nil {
		return nil
	}
	e := errcode.From(err)
	switch e.Cond {
	case errcode.BodySchemaInvalid:
		return err
	case errcode.BodyMalformed:
		return errcode.Newf(errcode.DebugBodyInvalid, "the sample's body is not JSON")
	}
	return errcode.Newf(errcode.DebugBodyInvalid, "the sample's body breaks the API's JSON Schema at %s: %s", e.Subject, e.Detail)
}

package admin

import (
	"bytes"
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
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
	schema, err := compileBodySchema(b.Schema)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return errcode.Newf(errcode.DebugBodyInvalid, "the sample's body is not JSON: %v", err)
	}
	if err := schema.Validate(doc); err != nil {
		return errcode.Newf(errcode.DebugBodyInvalid, "the sample's body breaks the API's JSON Schema: %s", schemaFailure(err))
	}
	return nil
}

// compileBodySchema compiles a stored body schema (draft 2020-12 unless it
// says otherwise). It loads nothing: a $ref to a file or a URL is refused,
// so that a tenant's schema cannot read the gateway's files or reach its
// network.
func compileBodySchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, errcode.Newf(errcode.BodySchemaInvalid, "%v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(jsonschema.SchemeURLLoader{})
	const loc = "tollgate:body.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, errcode.Newf(errcode.BodySchemaInvalid, "%v", err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, errcode.Newf(errcode.BodySchemaInvalid, "%v", err)
	}
	return s, nil
}

// english prints the validator's reasons.
var english = message.NewPrinter(language.English)

// schemaFailure names the first place of the body that fails the schema,
// as a JSON pointer, and why.
func schemaFailure(err error) string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return fmt.Sprintf("at %q: %s", "/"+strings.Join(ve.InstanceLocation, "/"), ve.ErrorKind.LocalizedString(english))
}

package gateway

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// proxyChecked answers a call of an API that validates its answers
// (validateResponse with a declared response schema) in a dialect that
// does not wrap them. As in the market dialect (proxyWrapped), a 2xx
// answer is held back whole, up to MaxWrappedBytes, and checked before
// the call is settled: one that breaks its schema is errcode.BadGateway
// (market 11030), not charged, and the client never sees it. Any other
// status streams through unchanged. The client's Accept-Encoding is not
// passed on, so that the answer can be read.
func (g *Gateway) proxyChecked(c *Call) error {
	b, held, err := g.holdAnswer(c, "the gateway holds to validate it")
	defer b.put()
	if !held {
		return err
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if err := g.checkAnswer(c, b); err != nil {
		return err
	}
	if err := g.settleAs(c, true); err != nil {
		return err
	}
	h := c.W.Header()
	for k, vv := range b.header {
		h[k] = vv
	}
	if b.status != http.StatusNoContent && b.status != http.StatusNotModified {
		h["Content-Length"] = []string{strconv.Itoa(len(b.body))}
	}
	c.W.WriteHeader(b.status)
	c.Result.Status, c.Result.Started = b.status, true
	if c.R.Method == http.MethodHead {
		return nil
	}
	n, err := c.W.Write(b.body)
	c.Result.BytesOut = int64(n)
	if err != nil {
		return errcode.Wrap(errcode.Cancelled, err)
	}
	return nil
}

// checkAnswer checks a 2xx answer held in b against the schema the API
// declares for its status: it must not be encoded, and must be JSON that
// the schema accepts. An answer without a body (HEAD, 204) has nothing to
// check. Its failure is the backend's: errcode.BadGateway.
func (g *Gateway) checkAnswer(c *Call, b *wrapBuffer) error {
	r := c.API.Rules
	if !r.ChecksResponses() || c.R.Method == http.MethodHead ||
		b.status == http.StatusNoContent || b.status == http.StatusResetContent {
		return nil
	}
	s := r.ResponseSchema(b.status)
	if s == nil {
		return nil
	}
	c.upstreamErr = true // until the answer passes
	if enc := b.header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return errcode.Newf(errcode.BadGateway, "the answer is encoded (%s) and cannot be validated", enc)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.body))
	if err != nil {
		return errcode.Newf(errcode.BadGateway, "the answer is not JSON: %v", err)
	}
	if err := s.Validate(doc); err != nil {
		return errcode.Newf(errcode.BadGateway, "the answer breaks the declared schema of status %d: %s", b.status, schemaReason(err))
	}
	c.upstreamErr = false
	return nil
}

// schemaReason returns the first line of a validation error: where the
// answer broke the schema and how, without the whole tree.
func schemaReason(err error) string {
	if ve, ok := err.(*jsonschema.ValidationError); ok {
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		return ve.Error()
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

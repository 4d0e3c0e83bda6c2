package gateway

import (
	"slices"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/validate"
)

// validate refuses a call that breaks what its API declares. First the
// identity headers a client may send but only the gateway sets
// (x-jdcloud-pin, x-jdcloud-user): one that is not shaped like a pin is
// refused with errcode.PinMalformed rather than silently replaced, since a
// client that sends it means something the gateway will not do. Then the
// API's compiled checks (validate.Validator): declared parameters in
// declaration order, undeclared ones on a strict API, the body. An API
// with no checks costs one nil comparison and allocates nothing.
func (g *Gateway) validate(c *Call) error {
	if err := checkIdentityHeaders(c); err != nil {
		return err
	}
	v := c.API.Validator
	if v == nil {
		return nil
	}
	return v.Check(&validate.Request{
		HTTP:       c.R,
		PathValues: c.Match.Values,
		Body:       func() ([]byte, error) { return g.callBody(c) },
		Credential: func(name string) bool { return credentialParam(c, name) },
	})
}

// checkIdentityHeaders refuses an x-jdcloud-pin or x-jdcloud-user header
// (under any spelling outbound would remove) whose value is not a pin:
// 1 to 64 ASCII letters, digits, "-", "_" and ".".
func checkIdentityHeaders(c *Call) error {
	for k, vs := range c.R.Header {
		if !sameHeaderName(k, headerPin) && !sameHeaderName(k, headerUser) {
			continue
		}
		for _, v := range vs {
			if model.ValidatePin(k, v) != nil {
				return &errcode.Error{Cond: errcode.PinMalformed, Subject: k,
					Detail: "expected 1 to 64 ASCII letters, digits, -, _ and ."}
			}
		}
	}
	return nil
}

// callBody returns the request body read whole, for the validator: the
// bytes authenticate already read for a signature, or read now within the
// gateway's limits. Either way the backend gets the same bytes.
func (g *Gateway) callBody(c *Call) ([]byte, error) {
	if b, ok := c.R.Body.(*bufferedBody); ok {
		return b.b, nil
	}
	return g.readBody(c)
}

// credentialParam reports whether the query parameter name carries the
// credentials of the scheme the call was signed with: outbound removes
// it, and a strict API need not declare it.
func credentialParam(c *Call, name string) bool {
	if slices.Contains(credentialParams[c.Auth.Scheme], name) {
		return true
	}
	return c.Auth.Presigned && slices.Contains(presignParams, name)
}

package gateway

import "github.com/tollgate-gw/tollgate/internal/errcode"

// authorize lets the caller through to the group environment and the API
// only if the publisher does: the group's list of allowed pins, when it
// has one, must hold the caller's account (CallerRestricted); an
// authorization of the key, or of its account's pin, must exist on this
// group environment (NotAuthorizedOnGroup); and if every such
// authorization lists APIs, this API must be among them (APINotAllowed).
func (g *Gateway) authorize(c *Call) error {
	a := &c.Env.Auth
	if a.None() {
		return nil
	}
	k := c.Caller
	if !a.PinAllowed(k.Pin) {
		return errcode.New(errcode.CallerRestricted, "")
	}
	_, granted, apiAllowed := a.Authorized(k.AccessKey, k.Pin, c.API.ID)
	switch {
	case !granted:
		return errcode.New(errcode.NotAuthorizedOnGroup, "")
	case !apiAllowed:
		return errcode.New(errcode.APINotAllowed, "")
	}
	return nil
}

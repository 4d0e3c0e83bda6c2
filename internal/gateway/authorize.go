package gateway

import "github.com/tollgate-gw/tollgate/internal/errcode"

// authorize lets the caller through to the group environment and the API
// only if the publisher does: the group's list of allowed pins, when it
// has one, must hold the caller's account (CallerRestricted); an
// authorization of the key, or of its account's pin, must exist on this
// group environment (NotAuthorizedOnGroup); and if every such
// authorization lists APIs, this API must be among them (APINotAllowed).
// The quotas of the authorization that let the call through are kept on
// the call for the traffic stage.
//
// A group that sells plans in the API market admits by subscription
// instead (the market stage): buying a plan is what grants the right to
// call, so no authorization is looked for. Its allowed pins still apply.
func (g *Gateway) authorize(c *Call) error {
	a := &c.Env.Auth
	if a.None() {
		return nil
	}
	k := c.Caller
	if !a.PinAllowed(k.Pin) {
		return errcode.New(errcode.CallerRestricted, "")
	}
	if c.Env.Market != nil {
		return nil
	}
	quotas, granted, apiAllowed := a.Authorized(k.AccessKey, k.Pin, c.API.ID)
	switch {
	case !granted:
		return errcode.New(errcode.NotAuthorizedOnGroup, "")
	case !apiAllowed:
		return errcode.New(errcode.APINotAllowed, "")
	}
	if quotas.Any() {
		c.Quotas = quotas
	}
	return nil
}

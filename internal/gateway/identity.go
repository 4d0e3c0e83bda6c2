package gateway

import (
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// identity refuses a caller whose key, account or user may not call now,
// in this order: the key disabled, or a session key expired; the account disabled, or not yet
// activated; the user missing or disabled; the account's pin on the
// blacklist; the client's address on the blacklist; the user's role not
// covering the group and the API. The key's state is told only to whom
// proved they hold its secret: a disabled key's signature is verified
// first, like any other.
//
// The address blacklist applies to every group, those of auth type none
// included: it refuses a network, whoever it claims to be.
func (g *Gateway) identity(c *Call) error {
	if c.Env.Auth.None() {
		return g.checkAddress(c)
	}
	k := c.Caller
	switch {
	case !k.Enabled:
		return errcode.New(errcode.KeyDisabled, k.AccessKey)
	case k.Expired(c.Now):
		return errcode.Newf(errcode.AuthExpired, "the session key %s expired at %s", k.AccessKey, k.Expires.UTC().Format(time.RFC3339))
	case k.Account == model.AccountDisabled:
		return errcode.New(errcode.AccountDisabled, "")
	case k.Account == model.AccountUnactivated:
		return errcode.New(errcode.UserNotActivated, "")
	case k.Account != model.AccountActive:
		return errcode.Newf(errcode.AccountDisabled, "the account is %s", k.Account)
	case k.User != "" && !k.UserFound:
		return errcode.New(errcode.UserNotFound, k.User)
	case k.User != "" && k.UserStatus != model.UserActive:
		return errcode.New(errcode.UserDisabled, k.User)
	case c.Snapshot.PinBlacklisted(k.Pin):
		return errcode.New(errcode.UserBlacklisted, "")
	}
	if err := g.checkAddress(c); err != nil {
		return err
	}
	switch {
	case k.User == "":
	case k.Role == nil && k.RoleName != "":
		return errcode.New(errcode.RoleNotFound, k.RoleName)
	case !k.AllowsRole(c.Env.Group.ID, c.API.ID):
		return errcode.New(errcode.RoleNotAllowed, "")
	}
	return nil
}

// checkAddress refuses a client whose address is on the blacklist.
func (g *Gateway) checkAddress(c *Call) error {
	if !c.Snapshot.HasIPBlacklist() {
		return nil
	}
	if a, ok := g.clientAddr(c.R); ok && c.Snapshot.IPBlacklisted(a) {
		return errcode.New(errcode.IPBlacklisted, "")
	}
	return nil
}

package admin

import (
	"net/http"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// scope says whose resource an operation touches.
type scope int

const (
	// scopeAuthenticated: any authenticated caller (the answers to paths
	// that are no operation).
	scopeAuthenticated scope = iota
	// scopePublic: no credential (the OpenAPI document, login).
	scopePublic
	// scopeOperator: the operator's alone (accounts, the blacklist).
	scopeOperator
	// scopeTenant: every caller, each seeing its own (the group list,
	// group creation).
	scopeTenant
	// scopeAccount: the account in the path, {pin}.
	scopeAccount
	// scopeGroup: the group in the path, {groupId}, and its owner.
	scopeGroup
	// scopeMarket: what the group in the path, {groupId}, sells in the
	// API market, which every authenticated caller may read. A user
	// needs the action only: its role's groups are its own account's,
	// not the ones it shops from.
	scopeMarket
)

// forbidden refuses what the caller may not do whatever it names: an
// operation or a field that is the operator's.
func forbidden() error {
	return errcode.New(errcode.Forbidden, "")
}

// hidden is the one answer to a call that names another tenant's
// resource, whether it exists or not, so that no answer, in any dialect,
// tells another tenant's resources from missing ones.
func hidden() error {
	return errcode.New(errcode.Hidden, "")
}

// checkAccess applies the tenant rules to an authenticated call of rt:
//
//   - the operator may do anything;
//   - an account acts only on itself ({pin} is its pin) and its groups
//     ({groupId} is one it owns), but reads what any group sells in the
//     market (scopeMarket); anything else, existing or not, is Hidden,
//     and the operator's operations are Forbidden;
//   - a user acts within its account, and only as its role allows: an
//     action outside the role is OperationNotAllowed, a group or API
//     outside it RoleNotAllowed; managing the account itself, its users,
//     roles or MFA is ChildAccountNotAllowed (handlers also keep a user
//     to its own keys).
func (s *server) checkAccess(r *http.Request, rt route, c *caller) error {
	if c.operator || rt.scope == scopeAuthenticated {
		return nil
	}
	switch rt.scope {
	case scopeOperator:
		return forbidden()
	case scopeAccount:
		if r.PathValue("pin") != c.pin() {
			return hidden()
		}
	case scopeGroup:
		g, err := s.store.Group(r.Context(), r.PathValue("groupId"))
		if errcode.Has(err, errcode.ResourceNotFound) || err == nil && g.Owner != c.pin() {
			return hidden()
		}
		if err != nil {
			return err
		}
	}
	if !c.isUser() {
		return nil
	}
	return roleAllows(r, rt, c)
}

// accountActions are the actions only an account may take, never one of
// its users, whatever its role says.
var accountActions = []string{"accounts.update", "users.", "roles.", "mfa."}

// roleAllows applies a user's role to a call of rt.
func roleAllows(r *http.Request, rt route, c *caller) error {
	for _, a := range accountActions {
		if rt.action == a || strings.HasSuffix(a, ".") && strings.HasPrefix(rt.action, a) {
			return errcode.Newf(errcode.ChildAccountNotAllowed, "%s is the account's own", rt.action)
		}
	}
	if c.role == nil || !c.role.AllowsAction(rt.action) {
		return errcode.Newf(errcode.OperationNotAllowed, "the user's role does not allow %s", rt.action)
	}
	if id := r.PathValue("groupId"); id != "" && rt.scope != scopeMarket && !c.role.AllowsGroup(id) {
		return errcode.Newf(errcode.RoleNotAllowed, "the user's role does not cover group %s", id)
	}
	if id := r.PathValue("apiId"); id != "" && !c.role.AllowsAPI(id) {
		return errcode.Newf(errcode.RoleNotAllowed, "the user's role does not cover API %s", id)
	}
	return nil
}

// sees reports whether c may act on group g: the operator on every group,
// an account on its own, a user on those of its account its role covers.
func (c *caller) sees(g model.Group) bool {
	switch {
	case c.operator:
		return true
	case g.Owner != c.pin():
		return false
	}
	return !c.isUser() || c.role != nil && c.role.AllowsGroup(g.ID)
}

// allGroups reports whether a caller's reach is every group of its
// account: the operator, an account, a user whose role lists "*".
func (c *caller) allGroups() bool {
	return !c.isUser() || c.role != nil && c.role.AllowsGroup("*")
}

// keyAllowed refuses a user acting on a key that is not its own.
func keyAllowed(c *caller, k *model.Key) error {
	if c.isUser() && k.User != c.user {
		return errcode.New(errcode.ChildAccountNotAllowed, "key "+k.AccessKey)
	}
	return nil
}

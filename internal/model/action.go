package model

import "strings"

// Actions lists every admin action a role may grant and MFA may guard,
// named "resource.verb". Each admin API operation takes exactly one.
var Actions = []string{
	"accounts.create", "accounts.read", "accounts.update",
	"groups.create", "groups.read", "groups.update", "groups.delete",
	"apis.create", "apis.read", "apis.update", "apis.delete", "apis.import", "apis.debug",
	"backends.read", "backends.update", "backends.delete",
	"errors.create", "errors.read", "errors.delete",
	"revisions.create", "revisions.read",
	"deployments.create", "deployments.read", "deployments.delete",
	"authorizations.create", "authorizations.read", "authorizations.delete",
	"keys.create", "keys.read", "keys.update", "keys.delete", "keys.rotate",
	"users.create", "users.read", "users.update", "users.delete",
	"roles.create", "roles.read", "roles.update", "roles.delete",
	"mfa.update", "mfa.delete",
	"blacklist.create", "blacklist.read", "blacklist.delete",
}

// knownAction reports whether a is in Actions.
func knownAction(a string) bool {
	for _, x := range Actions {
		if x == a {
			return true
		}
	}
	return false
}

// validActionPattern reports whether p is "*", "resource.*" for a
// resource of Actions, or an action of Actions.
func validActionPattern(p string) bool {
	if p == "*" || knownAction(p) {
		return true
	}
	res, ok := strings.CutSuffix(p, ".*")
	if !ok {
		return false
	}
	for _, x := range Actions {
		if strings.HasPrefix(x, res+".") {
			return true
		}
	}
	return false
}

// ActionMatches reports whether patterns ("*", "keys.*", "keys.create")
// cover action.
func ActionMatches(patterns []string, action string) bool {
	for _, p := range patterns {
		if p == "*" || p == action {
			return true
		}
		if res, ok := strings.CutSuffix(p, ".*"); ok && strings.HasPrefix(action, res+".") {
			return true
		}
	}
	return false
}

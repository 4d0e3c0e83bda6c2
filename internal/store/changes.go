package store

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// ChangeLog lets a node apply what changed since its last load instead of
// reloading everything. Every committed change to what the data plane
// serves is numbered, in the transaction that makes it, with a version
// naming the unit it touches:
//
//   - a group: the group itself, its deployments, backends, own error
//     codes, custom domains, authorizations, policy bindings (and the policies bound to
//     it), plans and subscriptions, and the credit of its subscribers;
//   - a pin: the account, its users, roles and keys;
//   - the blacklist.
//
// Writes that change nothing served (an API's draft, a revision not
// deployed, a user's password) are not logged. Versions grow by commit
// order: once a reader has seen version v, no change numbered v or lower
// commits after it (an engine with concurrent writers must serialize
// them: SQLite's single writer connection does, and so does the advisory
// lock every PostgreSQL write transaction takes first). Old entries are
// pruned; a reader that fell behind them reloads in full.
type ChangeLog interface {
	// Changes returns the units changed after version since, and the
	// latest version. Full is set when the log no longer reaches back
	// to since (or since is negative, or ahead of the log): the reader
	// must then load everything, and may take Version as the version of
	// what it loads, provided it asked for Changes first.
	Changes(ctx context.Context, since int64) (Changes, error)
	// LoadPart returns, as LoadPublished, ListGroups, LoadCallers,
	// LoadPolicies and LoadDomains would, the part of the configuration
	// that the units of c hold (c.Version and c.Full are ignored).
	LoadPart(ctx context.Context, c Changes) (Part, error)
}

// Changes are the units changed after a version (see ChangeLog).
type Changes struct {
	// Version is the latest change's version.
	Version int64
	// Full reports that the log cannot say what changed: reload all.
	Full bool
	// Groups and Pins are the ids of the changed groups and accounts,
	// each once; Blacklist reports that the blacklist changed.
	Groups, Pins []string
	Blacklist    bool
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return !c.Full && len(c.Groups) == 0 && len(c.Pins) == 0 && !c.Blacklist
}

// Part is the configuration of some groups and pins (see LoadPart).
type Part struct {
	// Published are the deployed environments of the groups, as
	// LoadPublished orders them.
	Published []model.Published
	// Groups are those of the groups that exist; a group asked for and
	// missing was deleted.
	Groups []model.Group
	// Callers holds the accounts, users, roles and keys (that can still
	// sign) of the pins; the authorizations, plans and current
	// subscriptions of the groups, with the credit of every pin that
	// subscribes to one; and, when the blacklist was asked for, every
	// blacklist entry.
	Callers model.Callers
	// Policies are the bindings of the groups' environments and the
	// policies they bind.
	Policies model.Policies
	// Domains are the groups' claims of custom domains, as LoadDomains
	// returns them.
	Domains []model.Domain
}

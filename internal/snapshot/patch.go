package snapshot

import (
	"fmt"
	"maps"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Delta is what changed since a snapshot was compiled: some groups, some
// accounts (pins) and perhaps the blacklist, each with its new state in
// full (see store.ChangeLog).
type Delta struct {
	// Groups are the ids of the groups whose environments Published
	// replaces: every environment the snapshot should serve of them (a
	// group that is gone has none).
	Groups    []string
	Published []model.Published
	// Pins are the accounts whose callers Callers replaces.
	Pins []string
	// Callers holds the accounts, users, roles and keys of Pins; the
	// authorizations and the market (plans, current subscriptions, the
	// credit of their pins) of Groups; and the blacklist when Blacklist
	// is set.
	Callers   model.Callers
	Blacklist bool
}

// Patch returns prev with d applied, compiled with o, whose Policies need
// hold only the policies bound to d's groups and those bindings, and
// whose Domains only the claims of d's groups. What d does not name is
// shared with prev, which stays valid and unchanged: a group environment,
// its router, APIs and domain certificates are compiled again only when
// its group changed, a caller only when its account did. For the same
// store, Patch(Compile(before), d) serves what Compile(after) serves.
func (o Options) Patch(prev *Snapshot, d *Delta) (*Snapshot, error) {
	part, err := o.Compile(prev, d.Published, d.Callers)
	if err != nil {
		return nil, err
	}
	if part.base != prev.base {
		return nil, fmt.Errorf("patch: base domain %q, the snapshot's is %q", part.base, prev.base)
	}
	s := &Snapshot{base: prev.base, callers: prev.callers}

	// Group environments, the upstream pools of their backends, and the
	// groups' custom domains.
	dirty := make(map[string]bool, len(d.Groups))
	for _, g := range d.Groups {
		dirty[lower(g)] = true
	}
	s.envs, s.pools, s.domains = prev.envs, prev.pools, prev.domains
	if len(d.Groups) > 0 {
		if s.domains, err = prev.domains.patch(dirty, part.domains); err != nil {
			return nil, err
		}
		s.envs = maps.Clone(prev.envs)
		for _, g := range d.Groups {
			for _, env := range model.Environments {
				delete(s.envs, envKey{lower(g), env})
			}
		}
		for k, e := range part.envs {
			if !dirty[k.group] {
				return nil, fmt.Errorf("patch: group %s is published but not named as changed: %w", e.Group.ID,
					errcode.Newf(errcode.ParamValueInvalid, "inconsistent delta"))
			}
			s.envs[k] = e
		}
		s.pools = maps.Clone(part.pools)
		for k, p := range prev.pools {
			if g, _, _ := strings.Cut(k, "\x00"); !dirty[g] {
				s.pools[k] = p
			}
		}
	}

	// Callers, by account. The key tables copy only the shards the
	// accounts' keys are in.
	if len(d.Pins) > 0 {
		pins := make(map[string]bool, len(d.Pins))
		sig, app := prev.callers.sig.edit(), prev.callers.app.edit()
		byPin := prev.callers.byPin.edit()
		for _, pin := range d.Pins {
			pins[pin] = true
			old, _ := prev.callers.byPin.get(pin)
			for _, c := range old {
				sig.delete(c.AccessKey)
				app.delete(c.AccessKey)
			}
			byPin.delete(pin)
		}
		for _, m := range part.callers.byPin.m {
			for pin, cs := range m {
				if !pins[pin] {
					return nil, fmt.Errorf("patch: account %s has keys but is not named as changed: %w", pin,
						errcode.Newf(errcode.ParamValueInvalid, "inconsistent delta"))
				}
				for _, c := range cs {
					_, inSig := sig.t.get(c.AccessKey)
					_, inApp := app.t.get(c.AccessKey)
					if inSig || inApp {
						return nil, duplicateKey(c.AccessKey)
					}
					if c.Kind == model.KeyAppKey {
						app.set(c.AccessKey, c)
					} else {
						sig.set(c.AccessKey, c)
					}
				}
				byPin.set(pin, cs)
			}
		}
		s.callers.sig, s.callers.app, s.callers.byPin = sig.done(), app.done(), byPin.done()
	}
	if d.Blacklist {
		s.callers.blacklist = part.callers.blacklist
	}
	return s, nil
}

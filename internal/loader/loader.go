// Package loader keeps a node's snapshot in step with its store. The
// first load, and any the change log cannot serve, reads and compiles the
// whole configuration; every other asks the store what changed since the
// last one (store.ChangeLog), reads only those groups and accounts, and
// patches the snapshot being served (snapshot.Options.Patch): a write
// costs what it touched, not what the node holds. The snapshot is never
// modified: each load stores a new one in the Holder, which requests in
// flight do not see.
package loader

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// MaxPatch is the most groups and pins a load patches; past it, a full
// load is as quick and reads the store in fewer, larger queries.
const MaxPatch = 2000

// Loader loads a store's configuration into a Holder. Its methods are
// safe for concurrent use and run one at a time.
type Loader struct {
	store  store.Store
	holder *snapshot.Holder
	opts   snapshot.Options
	clock  func() time.Time

	mu      sync.Mutex
	loaded  bool
	version int64 // of the change log, that the snapshot served reflects
	// expiring holds, for each account with a session key or a rotated
	// secret, the first instant one of them expires: the full load would
	// then leave it out, so the account is loaded again from then on.
	expiring map[string]time.Time
}

// Stats describe one load.
type Stats struct {
	// Full reports a load of everything; otherwise Groups and Pins
	// count the groups and accounts loaded again, and Blacklist tells
	// whether the blacklist was. A load that found nothing changed has
	// all of them zero.
	Full         bool
	Groups, Pins int
	Blacklist    bool
	// Version is the change log's version the snapshot now reflects.
	Version int64
	// Took is the load's wall-clock time.
	Took time.Duration
	// FullReason says why a load was a full one.
	FullReason string
	// PatchFallback is the error of a patch that a full load then
	// replaced: a patch should never fail where a full compile succeeds.
	PatchFallback error
}

// New returns a Loader that compiles st's configuration with o (whose
// Policies and Domains it sets itself) into h. clock is time.Now when nil.
func New(st store.Store, h *snapshot.Holder, o snapshot.Options, clock func() time.Time) *Loader {
	if clock == nil {
		clock = time.Now
	}
	return &Loader{store: st, holder: h, opts: o, clock: clock}
}

// Load brings the snapshot up to date: by a patch when the change log
// tells what changed since the last load, in full otherwise.
func (l *Loader) Load(ctx context.Context) (Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := time.Now()
	since := l.version
	if !l.loaded {
		since = -1
	}
	c, err := l.store.Changes(ctx, since)
	if err != nil {
		return Stats{}, fmt.Errorf("read the change log: %w", err)
	}
	switch {
	case !l.loaded:
		return l.full(ctx, c.Version, start, "first load")
	case c.Full:
		return l.full(ctx, c.Version, start, "the change log does not reach back to the last load")
	}
	now := l.clock()
	changed := make(map[string]bool, len(c.Pins))
	for _, pin := range c.Pins {
		changed[pin] = true
	}
	for pin, at := range l.expiring {
		if !now.Before(at) && !changed[pin] {
			c.Pins = append(c.Pins, pin)
		}
	}
	if len(c.Groups)+len(c.Pins) > MaxPatch {
		return l.full(ctx, c.Version, start, "too many changes to patch")
	}
	st := Stats{Groups: len(c.Groups), Pins: len(c.Pins), Blacklist: c.Blacklist, Version: c.Version}
	if c.Empty() {
		l.version = c.Version
		st.Took = time.Since(start)
		return st, nil
	}
	part, err := l.store.LoadPart(ctx, c)
	if err != nil {
		if ctx.Err() != nil {
			return Stats{}, fmt.Errorf("load the changed configuration: %w", err)
		}
		// What a partial read cannot do (a group with more subscribers
		// than one query takes parameters for), a full one can: a
		// reload must not keep failing where a full load succeeds.
		full, ferr := l.full(ctx, c.Version, start, "the partial read failed")
		full.PatchFallback = err
		return full, ferr
	}
	o := l.opts
	o.Policies, o.Domains = part.Policies, part.Domains
	s, err := o.Patch(l.holder.Load(), &snapshot.Delta{
		Groups:    c.Groups,
		Published: withUndeployed(part.Published, part.Groups),
		Pins:      c.Pins,
		Callers:   part.Callers,
		Blacklist: c.Blacklist,
	})
	if err != nil {
		// What a patch refuses, a full compile reports (or, if the
		// patch was wrong to refuse, serves).
		full, ferr := l.full(ctx, c.Version, start, "a patch failed")
		full.PatchFallback = err
		return full, ferr
	}
	l.holder.Store(s)
	l.version = c.Version
	for _, pin := range c.Pins {
		delete(l.expiring, pin)
	}
	l.noteExpiring(part.Callers.Keys)
	st.Took = time.Since(start)
	return st, nil
}

// LoadFull loads and compiles the whole configuration, whatever changed.
func (l *Loader) LoadFull(ctx context.Context) (Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := time.Now()
	c, err := l.store.Changes(ctx, -1)
	if err != nil {
		return Stats{}, fmt.Errorf("read the change log: %w", err)
	}
	return l.full(ctx, c.Version, start, "asked for")
}

// full loads everything as of version or later: version was read first,
// so a change after it is read again by the next load.
func (l *Loader) full(ctx context.Context, version int64, start time.Time, why string) (Stats, error) {
	pubs, err := l.store.LoadPublished(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("load published configuration: %w", err)
	}
	groups, _, err := l.store.ListGroups(ctx, store.Page{Number: 1, Size: math.MaxInt32})
	if err != nil {
		return Stats{}, fmt.Errorf("load groups: %w", err)
	}
	callers, err := l.store.LoadCallers(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("load callers: %w", err)
	}
	policies, err := l.store.LoadPolicies(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("load policies: %w", err)
	}
	domains, err := l.store.LoadDomains(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("load domains: %w", err)
	}
	o := l.opts
	o.Policies, o.Domains = policies, domains
	s, err := o.Compile(l.holder.Load(), withUndeployed(pubs, groups), callers)
	if err != nil {
		return Stats{}, fmt.Errorf("compile snapshot: %w", err)
	}
	l.holder.Store(s)
	l.loaded, l.version = true, version
	l.expiring = make(map[string]time.Time)
	l.noteExpiring(callers.Keys)
	return Stats{Full: true, FullReason: why, Version: version, Took: time.Since(start)}, nil
}

// noteExpiring remembers the accounts of keys that expire, or whose
// previous secret does, at their first such instant.
func (l *Loader) noteExpiring(keys []model.Key) {
	for i := range keys {
		k := &keys[i]
		for _, at := range [2]time.Time{k.Expires, k.PreviousExpires} {
			if at.IsZero() {
				continue
			}
			if cur, ok := l.expiring[k.Pin]; !ok || at.Before(cur) {
				l.expiring[k.Pin] = at
			}
		}
	}
}

// withUndeployed adds an entry with no revision for each environment of
// each group that serves nothing, so that the data plane knows the group
// and answers in its dialect.
func withUndeployed(pubs []model.Published, groups []model.Group) []model.Published {
	type key struct {
		group string
		env   model.Environment
	}
	have := make(map[key]bool, len(pubs))
	for _, p := range pubs {
		have[key{p.Group.ID, p.Environment}] = true
	}
	for _, g := range groups {
		for _, env := range model.Environments {
			if !have[key{g.ID, env}] {
				pubs = append(pubs, model.Published{Group: g, Environment: env})
			}
		}
	}
	return pubs
}

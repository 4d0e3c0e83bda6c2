package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Auth is how a group environment authenticates and admits callers,
// compiled from its group's settings and the authorizations on it.
type Auth struct {
	// Type is the group's auth type: model.AuthNone (also for a group that
	// sets none), model.AuthSignature or model.AuthAppKey.
	Type string
	// Schemes are the schemes accepted, in the order auth.Detect tries
	// them: the group's order, except that TENCENT-V1, which also claims
	// form POSTs it cannot see into, comes last.
	Schemes []auth.Scheme
	// First is the group's first scheme: a request that carries no
	// credentials at all is told what that scheme misses.
	First auth.Scheme
	// Window is how far a request's time may be from the gateway's.
	Window time.Duration
	// Region and Service, when set, pin the credential scope of the
	// SigV4-family schemes.
	Region, Service string

	allowedPins map[string]struct{} // nil: every pin
	keys, pins  map[string]*grant   // authorizations, by access key and by pin
}

// grant is what the authorizations of one key (or pin) on one group
// environment allow: every API, or the listed ones.
type grant struct {
	all  bool
	apis map[string]struct{}
	// quotas are the first quota-carrying authorization's; nil: none.
	quotas *Quotas
}

// None reports whether the group lets anyone call without credentials.
func (a *Auth) None() bool { return a.Type == model.AuthNone }

// AppKey reports whether callers sign with app keys (the market scheme).
func (a *Auth) AppKey() bool { return a.Type == model.AuthAppKey }

// PinAllowed reports whether the publisher lets pin's keys call: always,
// unless the group lists the pins it allows.
func (a *Auth) PinAllowed(pin string) bool {
	if a.allowedPins == nil {
		return true
	}
	_, ok := a.allowedPins[pin]
	return ok
}

// Authorized reports whether an authorization lets the key ak, of the
// account pin, call the environment (granted), and whether one of them
// covers the API api (apiAllowed). quotas are the quotas of the
// authorization that let the call through (the key's before the pin's);
// nil when it sets none.
func (a *Auth) Authorized(ak, pin, api string) (quotas *Quotas, granted, apiAllowed bool) {
	for _, g := range [2]*grant{a.keys[ak], a.pins[pin]} {
		if g == nil {
			continue
		}
		granted = true
		if g.all {
			return g.quotas, true, true
		}
		if _, ok := g.apis[api]; ok {
			return g.quotas, true, true
		}
	}
	return nil, granted, false
}

// compileAuth compiles g's auth settings.
func compileAuth(g *model.Group) (Auth, error) {
	a := Auth{Type: g.AuthType, Region: g.SignRegion, Service: g.SignService}
	if a.Type == "" {
		a.Type = model.AuthNone
	}
	w := g.ReplayWindowSeconds
	if w <= 0 {
		w = model.DefaultReplayWindowSeconds
	}
	a.Window = time.Duration(w) * time.Second
	if len(g.AllowedPins) > 0 {
		a.allowedPins = make(map[string]struct{}, len(g.AllowedPins))
		for _, p := range g.AllowedPins {
			a.allowedPins[p] = struct{}{}
		}
	}
	var names []string
	switch a.Type {
	case model.AuthNone:
		return a, nil
	case model.AuthSignature, model.AuthAppKey:
		names = g.Schemes
		if len(names) == 0 {
			names = model.SchemesOf(a.Type)
		}
	default:
		return a, errcode.Newf(errcode.ParamValueInvalid, "auth type %q", a.Type)
	}
	var errs []error
	for _, n := range names {
		s, ok := auth.ByName(n)
		if !ok || !slices.Contains(model.SchemesOf(a.Type), n) {
			errs = append(errs, errcode.Newf(errcode.ParamValueInvalid, "scheme %q is not one of auth type %s", n, a.Type))
			continue
		}
		if a.First == nil {
			a.First = s
		}
		a.Schemes = append(a.Schemes, s)
	}
	if len(errs) > 0 {
		return a, errors.Join(errs...)
	}
	// Stable: the others keep the group's order.
	slices.SortStableFunc(a.Schemes, func(x, y auth.Scheme) int {
		return tencentLast(x) - tencentLast(y)
	})
	return a, nil
}

func tencentLast(s auth.Scheme) int {
	if s.Name() == model.SchemeTencentV1 {
		return 1
	}
	return 0
}

// addAuthorizations attaches each authorization to the group environment
// it concerns, with its quotas counted in zone's days. Authorizations of
// environments the snapshot does not serve are ignored: they take effect
// when the environment appears.
func (s *Snapshot) addAuthorizations(as []model.Authorization, zone *time.Location) error {
	var errs []error
	for _, z := range as {
		e, ok := s.Env(z.GroupID, z.Environment)
		if !ok {
			continue
		}
		var m *map[string]*grant
		var who string
		switch {
		case z.AccessKey != "" && z.Pin == "":
			m, who = &e.Auth.keys, z.AccessKey
		case z.Pin != "" && z.AccessKey == "":
			m, who = &e.Auth.pins, z.Pin
		default:
			errs = append(errs, fmt.Errorf("authorization %s: %w", z.ID,
				errcode.Newf(errcode.ParamValueInvalid, "it must name an access key or a pin")))
			continue
		}
		if *m == nil {
			*m = make(map[string]*grant)
		}
		g := (*m)[who]
		if g == nil {
			g = &grant{}
			(*m)[who] = g
		}
		if g.quotas == nil && (z.DailyLimit > 0 || z.TotalCalls > 0) {
			q := newQuotas("authz", z.ID, z.DailyLimit, z.TotalCalls, zone)
			g.quotas = &q
		}
		if len(z.APIs) == 0 {
			g.all = true
			continue
		}
		if g.apis == nil {
			g.apis = make(map[string]struct{}, len(z.APIs))
		}
		for _, api := range z.APIs {
			g.apis[api] = struct{}{}
		}
	}
	return errors.Join(errs...)
}

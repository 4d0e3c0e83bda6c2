package snapshot

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/route"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
	"github.com/tollgate-gw/tollgate/internal/validate"
)

// Options are the settings a snapshot is compiled with.
type Options struct {
	// Base is the domain that group hosts are under (route.DefaultBase if
	// empty).
	Base string
	// FailThreshold, Cooldown, Clock and Transport are given to every
	// upstream pool (see proxy.PoolConfig); zero values take its defaults.
	FailThreshold int
	Cooldown      time.Duration
	Clock         func() time.Time
	Transport     http.RoundTripper
	// Policies are the traffic policies and their bindings to group
	// environments (see Env.Traffic).
	Policies model.Policies
	// Zone is the time zone whose midnight starts a new day for daily
	// quotas; nil is UTC.
	Zone *time.Location
	// Upstream gives each pool the clients of the origin that saved its
	// backend, which dial through the egress policy; nil takes the
	// package proxy's defaults (proxy.Upstream.For). Transport, when set,
	// is used instead.
	Upstream *proxy.Upstream
	// Logger receives the pools' WARN for dials the egress policy
	// refuses (slog.Default() if nil).
	Logger *slog.Logger
	// Domains are the custom domains the groups claim, with their
	// private keys (see Snapshot.Domain); RequireDomainRecord makes a
	// claim serve only once the operator recorded it as well as its
	// owner verified it (model.Domain.Serving).
	Domains             []model.Domain
	RequireDomainRecord bool
}

// Compile compiles pubs, with no callers, into a snapshot whose hosts are
// under base.
func Compile(pubs []model.Published, base string) (*Snapshot, error) {
	return Options{Base: base}.Compile(nil, pubs, model.Callers{})
}

// Compile compiles pubs and, next to them, callers: the keys, their
// accounts, users and roles, the authorizations on each group environment
// and the blacklist. Upstream pools of prev whose group, environment and
// backend are unchanged are reused, with their health state; prev may be
// nil. Keep-alive connections live in the transport and survive either
// way. The error joins every problem found, each an *errcode.Error wrapped
// with what it concerns; no snapshot is returned with it.
func (o Options) Compile(prev *Snapshot, pubs []model.Published, callers model.Callers) (*Snapshot, error) {
	base := strings.ToLower(strings.TrimSuffix(o.Base, "."))
	if base == "" {
		base = route.DefaultBase
	}
	s := &Snapshot{
		base:  base,
		envs:  make(map[envKey]*Env, len(pubs)),
		pools: make(map[string]*proxy.Pool),
	}
	var errs []error
	for i := range pubs {
		e, err := o.compileEnv(prev, s, &pubs[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		k := envKey{lower(e.Group.ID), e.Environment}
		if _, dup := s.envs[k]; dup {
			errs = append(errs, fmt.Errorf("group %s %s: published twice: %w", e.Group.ID, e.Environment,
				errcode.Newf(errcode.ParamValueInvalid, "duplicate deployment")))
			continue
		}
		s.envs[k] = e
	}
	var err error
	if s.callers, err = compileCallers(&callers); err != nil {
		errs = append(errs, err)
	}
	if err := s.addAuthorizations(callers.Authorizations, o.Zone); err != nil {
		errs = append(errs, err)
	}
	if err := s.addPolicies(o.Policies); err != nil {
		errs = append(errs, err)
	}
	if err := s.addMarket(&callers.Market, o.Zone); err != nil {
		errs = append(errs, err)
	}
	if s.domains, err = compileDomains(o.Domains, o.RequireDomainRecord); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func (o Options) compileEnv(prev, s *Snapshot, pub *model.Published) (*Env, error) {
	where := fmt.Sprintf("group %s %s", pub.Group.ID, pub.Environment)
	if pub.Group.ID == "" || !pub.Environment.Valid() {
		return nil, fmt.Errorf("%s: %w", where, errcode.Newf(errcode.ParamValueInvalid, "no group id or unknown environment"))
	}
	e := &Env{
		Group:       defaults(pub.Group),
		Environment: pub.Environment,
		Revision:    pub.Revision.Revision,
		Suspended:   pub.Group.Status == model.GroupSuspended,
		Labels:      telemetry.Labels{Group: pub.Group.ID, Environment: string(pub.Environment)},
	}
	e.errors = compileErrors(e.Group.Dialect, pub.Errors)
	var errs []error
	var err error
	if e.Auth, err = compileAuth(&e.Group); err != nil {
		errs = append(errs, fmt.Errorf("%s auth: %w", where, err))
	}
	if pub.Backend != nil {
		b, err := o.compileBackend(prev, s, pub)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s backend: %w", where, err))
		}
		e.Backend = b
	}
	for _, m := range pub.Revision.APIs {
		if err := e.add(m); err != nil {
			errs = append(errs, fmt.Errorf("%s api %s: %w", where, m.Name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// add compiles m into e's router.
func (e *Env) add(m model.API) error {
	t, err := route.ParseTemplate(m.Path)
	if err != nil {
		return err
	}
	a := &API{API: m, Env: e, template: t,
		Labels: telemetry.Labels{Group: e.Group.ID, API: m.ID, Environment: string(e.Environment)}}
	if a.Labels.API == "" {
		a.Labels.API = m.Name
	}
	a.Limits = newLimits(e, a)
	if a.Rules, err = compileRules(&m.APIRules); err != nil {
		return err
	}
	a.Method = strings.ToUpper(m.Method)
	a.BackendMethod = strings.ToUpper(m.BackendMethod)
	if m.BackendPath != "" {
		if a.backend, err = route.ParseExpansion(mappedBackendPath(&m), t); err != nil {
			return err
		}
	}
	if a.Validator, err = validate.Compile(&a.API, t.Vars()); err != nil {
		return err
	}
	return e.router.Add(a.Method, t, m.MatchType, a)
}

func (o Options) compileBackend(prev, s *Snapshot, pub *model.Published) (*Backend, error) {
	b := pub.Backend
	switch b.Type {
	case model.BackendMock:
		return &Backend{Mock: proxy.NewMock(b.Status, b.Headers, b.Body)}, nil
	case model.BackendHTTP, "":
	default:
		return nil, errcode.Newf(errcode.ParamValueInvalid, "backend type %q", b.Type)
	}
	key := poolKey(pub.Group.ID, pub.Environment, b)
	if p, ok := s.pools[key]; ok {
		return &Backend{Pool: p}, nil
	}
	if prev != nil {
		if p, ok := prev.pools[key]; ok {
			s.pools[key] = p
			return &Backend{Pool: p}, nil
		}
	}
	p, err := proxy.NewPool(proxy.PoolConfig{
		URLs:          b.URLs,
		Timeout:       time.Duration(b.TimeoutMs) * time.Millisecond,
		Headers:       b.Headers,
		FailThreshold: o.FailThreshold,
		Cooldown:      o.Cooldown,
		Clock:         o.Clock,
		Transport:     o.Transport,
		Clients:       o.Upstream.For(backendOrigin(b)),
		Name:          pub.Group.ID + "/" + string(pub.Environment),
		Logger:        o.Logger,
	})
	if err != nil {
		return nil, err
	}
	s.pools[key] = p
	return &Backend{Pool: p}, nil
}

// backendOrigin returns the egress origin of b: the operator's for a
// backend the operator saved (or one built in code, with no SavedBy), a
// tenant's for anything else, so that an unknown value is held to the
// stricter rules.
func backendOrigin(b *model.Backend) egress.Origin {
	if b.SavedBy == "" || b.SavedBy == model.SavedByOperator {
		return egress.Operator
	}
	return egress.Tenant
}

// poolKey identifies a pool by its group, environment and everything in
// the backend that shapes the pool, so that an unchanged backend keeps
// its pool across snapshots and a changed one gets a fresh one.
func poolKey(group string, env model.Environment, b *model.Backend) string {
	var k strings.Builder
	k.WriteString(lower(group))
	k.WriteByte(0)
	k.WriteString(string(env))
	k.WriteByte(0)
	k.WriteString(strconv.Itoa(b.TimeoutMs))
	k.WriteByte(0)
	k.WriteString(backendOrigin(b).String())
	for _, u := range b.URLs {
		k.WriteByte(0)
		k.WriteString(u)
	}
	k.WriteByte(1)
	names := make([]string, 0, len(b.Headers))
	for n := range b.Headers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		k.WriteByte(0)
		k.WriteString(strings.ToLower(n))
		k.WriteByte('=')
		k.WriteString(b.Headers[n])
	}
	return k.String()
}

func lower(s string) string { return strings.ToLower(s) }

// Package snapshot compiles what is published into the immutable runtime
// the data plane serves from: hosts to group environments, their routers,
// compiled APIs, backends and auth settings; and, next to them, who may
// call: keys with their secrets and the state of their accounts, users and
// roles, the authorizations on each group environment, and the blacklist. A Holder swaps snapshots atomically; a
// request keeps the snapshot it started with until it ends.
package snapshot

import (
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/route"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
	"github.com/tollgate-gw/tollgate/internal/validate"
)

// Snapshot is a compiled, read-only configuration of the data plane. It is
// safe for concurrent use, and stays valid after it has been replaced.
type Snapshot struct {
	base  string
	envs  map[envKey]*Env
	pools map[string]*proxy.Pool // by poolKey, for the next compile to reuse
	// callers are the keys and the blacklist; the authorizations are on
	// each Env.
	callers callers
	// domains are the custom domains the groups claim.
	domains domains
}

type envKey struct {
	group string // lower case: host names are case-insensitive
	env   model.Environment
}

// Env is one group in one environment: what a host resolves to.
type Env struct {
	Group       model.Group // Dialect and Language filled with defaults
	Environment model.Environment
	// Revision is the deployed revision, "" when nothing is deployed.
	Revision string
	// Auth is how callers are authenticated and admitted.
	Auth Auth
	// Backend is where calls go; nil when the environment has none.
	Backend *Backend
	// Traffic is the traffic policy bound to the environment; nil: the
	// gateway's default limit applies.
	Traffic *Traffic
	// Market is the group's API market; nil when the group sells no plan.
	Market *Market
	// Suspended reports that the publisher suspended the group.
	Suspended bool
	// Labels place requests of the environment that match no API.
	Labels telemetry.Labels
	// Metrics caches the series of Labels.
	Metrics telemetry.Cache

	router route.Router[*API]
	// errors are the group's own error codes (see Raisable).
	errors map[string]*errcode.Entry
}

// API is one compiled API of a group environment.
type API struct {
	model.API
	// Env is the group environment the API belongs to.
	Env *Env
	// Labels place the API's requests in metrics and logs.
	Labels telemetry.Labels
	// Metrics caches the series of Labels.
	Metrics telemetry.Cache
	// Limits name the API's rate counters.
	Limits Limits
	// Validator checks a call against the API's declared parameters and
	// body; nil when the API declares nothing to check.
	Validator *validate.Validator
	// Rules are the API's compiled body, protocol, mapping and answer
	// rules; nil when it declares none.
	Rules *Rules

	template *route.Template
	backend  *route.Expansion // nil: the request's path goes upstream
}

// Backend is a compiled backend: a mock, or a pool of upstream targets.
type Backend struct {
	Mock *proxy.Mock
	Pool *proxy.Pool
}

// Base returns the base domain the snapshot's hosts are under.
func (s *Snapshot) Base() string { return s.base }

// Resolve returns the group environment that host names: a host under
// the base domain, or a custom domain a group claims, whether or not the
// claim serves yet (see Lookup). A group whose id itself ends in "-test"
// or "-preview" is found under its online host too.
func (s *Snapshot) Resolve(host string) (*Env, bool) {
	e, _, ok := s.Lookup(host)
	return e, ok
}

// Lookup is Resolve that also returns, when host is a custom domain, the
// claim that answers for it: the caller must refuse a call to a claim
// that is not Serving (errcode.DomainNotRecorded). A host under the base
// domain is never a custom domain.
func (s *Snapshot) Lookup(host string) (*Env, *Domain, bool) {
	if s == nil {
		return nil, nil, false
	}
	g, env, ok := route.ParseHost(host, s.base)
	if !ok {
		d, ok := s.Domain(host)
		if !ok {
			return nil, nil, false
		}
		e := s.envs[envKey{lower(d.Group), d.Environment}]
		if e == nil {
			return nil, nil, false
		}
		return e, d, true
	}
	e, ok := s.resolveBase(g, env)
	return e, nil, ok
}

// resolveBase finds the environment env of group g named by a host under
// the base domain.
func (s *Snapshot) resolveBase(g string, env model.Environment) (*Env, bool) {
	if e := s.envs[envKey{g, env}]; e != nil {
		return e, true
	}
	if env != model.EnvOnline {
		// Only on a miss: read the suffix as part of the group id.
		if e := s.envs[envKey{g + "-" + string(env), model.EnvOnline}]; e != nil {
			return e, true
		}
	}
	return nil, false
}

// Deployed reports whether a revision is deployed in the environment.
func (e *Env) Deployed() bool { return e.Revision != "" }

// Env returns the environment env of group, if it is known.
func (s *Snapshot) Env(group string, env model.Environment) (*Env, bool) {
	e, ok := s.envs[envKey{lower(group), env}]
	return e, ok
}

// Len returns the number of group environments served.
func (s *Snapshot) Len() int { return len(s.envs) }

// Match finds the API for method and path, the request's escaped path.
// Captured path values are appended to vals (see route.Router.Match).
func (e *Env) Match(method, path string, vals []string) (route.Match[*API], bool) {
	return e.router.Match(method, path, vals)
}

// UpstreamMethod returns the method to call the backend with.
func (a *API) UpstreamMethod(requestMethod string) string {
	if a.BackendMethod == "" || a.BackendMethod == route.AnyMethod {
		return requestMethod
	}
	return a.BackendMethod
}

// UpstreamPath returns the backend path for a match of a on the request's
// escaped path: the backend path with the captured values in place, then
// what a prefix template left, joined by one slash. Without a backend path, the request's path
// goes upstream as it is. buf is scratch space; the result does not
// allocate when the backend path is static and nothing is left.
func (a *API) UpstreamPath(buf []byte, m route.Match[*API], requestPath string) string {
	if a.backend == nil {
		return requestPath
	}
	if m.Rest == "" && a.backend.Static() {
		return a.backend.String()
	}
	buf = a.backend.Append(buf[:0], m.Values)
	rest := m.Rest
	if len(buf) > 0 && buf[len(buf)-1] == '/' && len(rest) > 0 && rest[0] == '/' {
		// One slash between them: a root prefix over a root backend
		// path must send "/a", not "//a".
		rest = rest[1:]
	}
	buf = append(buf, rest...)
	return string(buf)
}

// defaults fills a group's dialect and language where they are unset or
// unknown, so that the edge never has to.
func defaults(g model.Group) model.Group {
	if !g.Dialect.Valid() {
		g.Dialect = errcode.DialectJDCloud
	}
	if !errcode.ValidLang(g.Language) {
		g.Language = errcode.English
	}
	return g
}

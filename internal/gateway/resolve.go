package gateway

import (
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/route"
)

// resolve finds the group environment the request's host names, in the
// snapshot the call is served from. A group its publisher suspended is
// refused before anything else is said about it, its deployments
// included.
func (g *Gateway) resolve(c *Call) error {
	c.Snapshot = g.cfg.Snapshots.Load()
	env, ok := c.Snapshot.Resolve(c.R.Host)
	if !ok {
		return errcode.New(errcode.ServiceNotFound, "")
	}
	c.Env = env
	if env.Suspended {
		return errcode.New(errcode.ServiceDisabled, "")
	}
	if !env.Deployed() {
		return errcode.New(errcode.NotDeployed, string(env.Environment))
	}
	return nil
}

// match finds the API of the deployed revision that the method and path
// name. The path is normalized first (route.Normalize): dot segments
// removed, empty ones merged, unreserved escapes decoded, and one that
// climbs above the root or hides a dot segment refused. Everything after
// this stage (authorization per API, limits, the upstream path) sees that
// one spelling. It stays escaped otherwise, so that an encoded "/" stays
// inside its segment and goes upstream as it came. The signature is still
// checked on the path as sent, which is what the caller signed.
func (g *Gateway) match(c *Call) error {
	p, err := route.Normalize(c.R.URL.EscapedPath())
	if err != nil {
		return err
	}
	c.Path = p
	m, ok := c.Env.Match(c.R.Method, c.Path, c.vals[:0])
	if !ok {
		return methodNotSupported(c)
	}
	c.Match, c.API = m, m.Value
	if r := c.API.Rules; r != nil {
		if err := g.checkProtocol(c, r); err != nil {
			return err
		}
		return lowerLimit(c, r)
	}
	return nil
}

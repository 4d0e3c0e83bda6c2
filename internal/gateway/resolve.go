package gateway

import (
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/route"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// checkServerName holds a TLS connection to the host its client named:
// when the Host is a custom domain (dom), or the TLS server name is one,
// the two must be the same name. A client verifies the certificate of
// the server name it sent; without this rule it could be served group
// B's API over a connection it verified as group A's domain (or as a
// base-domain host), or reach a custom domain with no SNI at all. The
// refusal is ServiceNotFound: no group is served at that host on this
// connection. Hosts under the base domain are left as they were, with
// the listener's own certificate. Plain HTTP has no server name to hold.
func checkServerName(c *Call, dom *snapshot.Domain) error {
	if c.R.TLS == nil {
		return nil
	}
	sni := route.HostName(c.R.TLS.ServerName)
	if dom == nil {
		if _, ok := c.Snapshot.Domain(sni); !ok {
			return nil
		}
	}
	if host := route.HostName(c.R.Host); sni != host {
		return errcode.Newf(errcode.ServiceNotFound, "the Host %s is not the TLS server name %q", host, sni)
	}
	return nil
}

// resolve finds the group environment the request's host names, in the
// snapshot the call is served from: a host under the base domain, or a
// custom domain. A custom domain that does not serve yet is refused in
// its group's dialect, before anything is said of the group; so is a
// group its publisher suspended, before its deployments.
func (g *Gateway) resolve(c *Call) error {
	c.Snapshot = g.cfg.Snapshots.Load()
	env, dom, ok := c.Snapshot.Lookup(c.R.Host)
	if !ok {
		if err := checkServerName(c, nil); err != nil {
			return err
		}
		return errcode.New(errcode.ServiceNotFound, "")
	}
	c.Env = env
	if err := checkServerName(c, dom); err != nil {
		return err
	}
	if dom != nil && !dom.Serving {
		return errcode.New(errcode.DomainNotRecorded, dom.Name)
	}
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

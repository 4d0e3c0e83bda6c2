package proxy

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/tollgate-gw/tollgate/internal/egress"
)

// anyPolicy is the egress policy of the default clients (H1, Transport,
// and the tenants' clients of a pool given no Clients): the rules for
// everyone, and no private range for tenants.
var anyPolicy *egress.Policy

// Clients are the upstream clients of one egress origin: H1 for plain-http
// targets, Std for https ones (and for http ones under the "std" upstream
// client, and WebSocket tunnels), H2 for HTTP/2 calls (gRPC). All dial through the egress policy's Control hook, so that
// every connection, whatever name it was dialled by, is checked on the
// address it goes to. Keep-alive connections live here: a pool of one
// origin never reuses a connection another origin dialled.
type Clients struct {
	H1  *H1Transport
	Std *http.Transport
	H2  *http.Transport
}

// NewClients returns the clients of backends saved by origin under p.
func NewClients(p *egress.Policy, origin egress.Origin) *Clients {
	control := p.Control(origin)
	std := newTransport(control)
	return &Clients{H1: &H1Transport{Control: control}, Std: std, H2: NewH2Transport(std)}
}

// Upstream holds the clients of each origin under one egress policy. A
// gateway makes one, for all its snapshots, so that keep-alive
// connections survive a swap.
type Upstream struct {
	operator, tenant *Clients
}

// NewUpstream returns the clients of both origins under p.
func NewUpstream(p *egress.Policy) *Upstream {
	return &Upstream{operator: NewClients(p, egress.Operator), tenant: NewClients(p, egress.Tenant)}
}

var (
	defaultTenantOnce sync.Once
	defaultTenant     *Clients
)

// For returns the clients of origin. A nil Upstream gives the package's
// default clients: H1 and Transport for the operator, and clients that
// refuse every private address for tenants.
func (u *Upstream) For(origin egress.Origin) *Clients {
	switch {
	case u != nil && origin == egress.Operator:
		return u.operator
	case u != nil:
		return u.tenant
	case origin == egress.Operator:
		return nil // H1 and Transport, which UpstreamClient may swap
	}
	defaultTenantOnce.Do(func() { defaultTenant = NewClients(anyPolicy, egress.Tenant) })
	return defaultTenant
}

// ObserveConns makes o the ConnObserver of both origins' HTTP/1.1
// clients. Call it before the first call through u.
func (u *Upstream) ObserveConns(o ConnObserver) {
	u.operator.H1.ConnObserver = o
	u.tenant.H1.ConnObserver = o
}

// CloseIdleConnections closes the idle connections of both origins.
func (u *Upstream) CloseIdleConnections() {
	if u == nil {
		return
	}
	for _, c := range []*Clients{u.operator, u.tenant} {
		c.H1.CloseIdleConnections()
		c.Std.CloseIdleConnections()
		c.H2.CloseIdleConnections()
	}
}

// logRefusal logs, at WARN, a dial that the egress policy refused: the
// pool's name (its group and environment), the target's URL, the address
// refused and the rule. It returns whether err was such a refusal.
func (p *Pool) logRefusal(t *target, err error) bool {
	var r *egress.Refusal
	if !errors.As(err, &r) {
		return false
	}
	log := p.log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("backend refused by the egress policy",
		"group", p.name, "url", t.scheme+"://"+t.host+t.base, "address", r.Address, "rule", r.Rule)
	return true
}

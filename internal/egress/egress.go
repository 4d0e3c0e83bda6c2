// Package egress decides which network addresses a backend may reach, so
// that a backend cannot be turned against the gateway itself (its admin
// API and metrics), the cloud's metadata service or, for a tenant, the
// operator's private network.
//
// The same Policy is asked twice: when a backend is saved (CheckURL, on
// the literal address or localhost name in its URL) and when a connection
// is dialled (Control, a net.Dialer hook that sees the address the name
// resolved to), so that a name whose DNS answer changes after it was
// saved gains nothing.
package egress

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
)

// Origin is who saved a backend, which decides the rules its connections
// are held to.
type Origin int

// Origins.
const (
	// Operator is a backend saved with the operator's admin token: it may
	// reach loopback and private addresses.
	Operator Origin = iota
	// Tenant is a backend saved by an account or its user with a signed
	// call: loopback and private addresses are refused unless the operator
	// allowed their range.
	Tenant
)

// String returns "operator" or "tenant".
func (o Origin) String() string {
	if o == Operator {
		return "operator"
	}
	return "tenant"
}

// Rules a refused address is refused by. They name the refusal in the
// admin API's 400 and in the log of a refused dial.
const (
	// RuleGatewayListener refuses the gateway's own listeners (data,
	// admin, metrics) on any local address, for everyone: the data plane
	// would otherwise serve the admin API to whoever calls it.
	RuleGatewayListener = "gateway-listener"
	// RuleLinkLocal refuses 169.254.0.0/16 and fe80::/10, where clouds
	// serve instance metadata and credentials, for everyone.
	RuleLinkLocal = "link-local"
	// RuleUnspecified refuses 0.0.0.0/8 and ::, which reach the local
	// host on most systems, for everyone.
	RuleUnspecified = "unspecified"
	// RuleMulticast refuses multicast and the IPv4 broadcast address, for
	// everyone.
	RuleMulticast = "multicast"
	// RulePrivate refuses loopback (127.0.0.0/8, ::1) and private ranges
	// (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10) to a
	// tenant, unless the operator allowed the range (--backend-allow).
	RulePrivate = "private"
	// RuleIPSpelling refuses an IPv4 address written other than as four
	// decimal numbers (2852039166, 0251.0376.0251.0376, 0xa9fea9fe,
	// 169.254.43518): resolvers disagree on what such a name is, so it
	// cannot be checked at save time.
	RuleIPSpelling = "ip-spelling"
	// RuleUnchecked refuses a dial to an address the policy cannot read.
	RuleUnchecked = "unchecked-address"
)

// why explains each rule in a refusal.
var why = map[string]string{
	RuleGatewayListener: "a port the gateway itself listens on, at a local address",
	RuleLinkLocal:       "link-local addresses (169.254.0.0/16, fe80::/10) serve cloud metadata",
	RuleUnspecified:     "the unspecified address (0.0.0.0/8, ::) reaches the local host",
	RuleMulticast:       "multicast and broadcast addresses are not backends",
	RulePrivate:         "loopback and private addresses are open to tenants only in ranges the operator lists with --backend-allow",
	RuleIPSpelling:      "write an IPv4 address as four decimal numbers",
	RuleUnchecked:       "the address could not be read",
}

// Refusal is the error of an address the policy refuses.
type Refusal struct {
	// Address is what was refused: "169.254.169.254:80", or the host of a
	// URL.
	Address string
	// Rule is one of the Rule constants.
	Rule string
}

// Error names the address and the rule.
func (r *Refusal) Error() string {
	return fmt.Sprintf("egress policy: %s is refused by rule %s (%s)", r.Address, r.Rule, why[r.Rule])
}

// Explanation returns why the rule exists, for messages.
func (r *Refusal) Explanation() string { return why[r.Rule] }

// Policy is the egress policy of one gateway. Its zero value, and a nil
// *Policy, hold the rules for everyone and allow tenants no private range;
// they know no listener of the gateway until AddListener. It is safe for
// concurrent use.
type Policy struct {
	allow []netip.Prefix

	mu        sync.RWMutex
	ports     map[uint16]bool
	listeners []netip.Addr // the addresses the listeners are bound to
	// interfaceAddrs lists the host's own addresses; a field so that
	// tests can give the host an address it does not have.
	interfaceAddrs func() ([]net.Addr, error)
}

// New returns a policy that lets tenants reach the loopback and private
// addresses in allow.
func New(allow []netip.Prefix) *Policy {
	p := &Policy{}
	for _, a := range allow {
		p.allow = append(p.allow, a.Masked())
	}
	return p
}

// ParseAllow reads the value of --backend-allow: CIDR prefixes separated
// by commas ("10.1.0.0/16,fd00::/8"); a bare address is its own /32 or
// /128. An empty value allows nothing.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR prefix or an address", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix", f)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Allowed returns the ranges tenants may reach despite RulePrivate.
func (p *Policy) Allowed() []netip.Prefix {
	if p == nil {
		return nil
	}
	return p.allow
}

// AddListener records a listener of the gateway: its port is refused at
// every local address, for every backend.
func (p *Policy) AddListener(addr net.Addr) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ports == nil {
		p.ports = make(map[uint16]bool)
	}
	p.ports[ap.Port()] = true
	p.listeners = append(p.listeners, ap.Addr().Unmap().WithZone(""))
}

// Control returns a net.Dialer Control hook that refuses, with a
// *Refusal, a connection to an address the policy refuses to origin. It
// runs after name resolution, on the very address about to be connected.
func (p *Policy) Control(origin Origin) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &Refusal{Address: address, Rule: RuleUnchecked}
		}
		return p.CheckAddr(origin, ap)
	}
}

// CheckAddr returns a *Refusal if origin may not connect to ap, nil if it
// may. An IPv6 address that carries an IPv4 one (IPv4-mapped,
// IPv4-compatible, NAT64, 6to4) is refused if either is.
func (p *Policy) CheckAddr(origin Origin, ap netip.AddrPort) error {
	a := ap.Addr().WithZone("").Unmap()
	rule := p.rule(origin, a, ap.Port())
	if rule == "" {
		if v4, ok := embeddedIPv4(a); ok {
			rule = p.rule(origin, v4, ap.Port())
		}
	}
	if rule != "" {
		return &Refusal{Address: ap.String(), Rule: rule}
	}
	return nil
}

// rule returns the rule that refuses a (unmapped, without zone) and port
// to origin, or "".
func (p *Policy) rule(origin Origin, a netip.Addr, port uint16) string {
	switch {
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return RuleUnspecified
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return RuleLinkLocal
	case a.IsMulticast() || a == broadcast:
		return RuleMulticast
	case p.isListener(a, port):
		return RuleGatewayListener
	case origin != Operator && isPrivate(a) && !p.allows(a):
		return RulePrivate
	}
	return ""
}

// isListener reports whether a:port may be one of the gateway's own
// listeners: one of its ports at a loopback address, an address a
// listener is bound to, or an address of the host.
func (p *Policy) isListener(a netip.Addr, port uint16) bool {
	if p == nil {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if !p.ports[port] {
		return false
	}
	if a.IsLoopback() {
		return true
	}
	for _, l := range p.listeners {
		if l == a {
			return true
		}
	}
	list := p.interfaceAddrs
	if list == nil {
		list = net.InterfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return true // cannot tell: refuse rather than risk a loop
	}
	for _, ia := range addrs {
		if pfx, err := netip.ParsePrefix(ia.String()); err == nil && pfx.Addr().Unmap() == a {
			return true
		}
	}
	return false
}

func (p *Policy) allows(a netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, pfx := range p.allow {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	broadcast   = netip.MustParseAddr("255.255.255.255")
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	siteLocal   = netip.MustParsePrefix("fec0::/10")
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local  = netip.MustParsePrefix("64:ff9b:1::/48")
	v4Compat    = netip.MustParsePrefix("::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// isPrivate reports whether a is loopback or in a private range.
func isPrivate(a netip.Addr) bool {
	return a.IsLoopback() || a.IsPrivate() || cgnat.Contains(a) || siteLocal.Contains(a)
}

// embeddedIPv4 returns the IPv4 address an IPv6 one carries by a
// translation or tunnelling convention: NAT64 (64:ff9b::/96 and the
// local-use 64:ff9b:1::/48), IPv4-compatible (::a.b.c.d) and 6to4
// (2002:aabb:ccdd::/48).
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), nat64Local.Contains(a), v4Compat.Contains(a) && !a.IsLoopback() && !a.IsUnspecified():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

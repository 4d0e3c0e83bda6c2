// Package dnsverify checks that whoever claims a custom domain controls
// its DNS: the TXT record _tollgate.<domain> (model.Domain's
// VerificationName) must hold the token the gateway gave for the claim.
// Lookups go to one resolver, the one the operator names
// (--dns-resolver), or the system's.
package dnsverify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Timeout bounds one check, every retry of the resolver included.
const Timeout = 10 * time.Second

// Checker looks up verification records. It is safe for concurrent use.
type Checker struct {
	resolver *net.Resolver
}

// New returns a Checker that asks the DNS server at addr (host:port, or
// a host, which takes port 53), over UDP and, for long answers, TCP; ""
// asks the system's resolver.
func New(addr string) (*Checker, error) {
	if addr == "" {
		return &Checker{resolver: net.DefaultResolver}, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), "53")
	}
	host, port, err := net.SplitHostPort(addr)
	if _, perr := strconv.ParseUint(port, 10, 16); err != nil || host == "" || perr != nil {
		return nil, fmt.Errorf("dns resolver %q: want host:port", addr)
	}
	if _, aerr := netip.ParseAddr(host); strings.Contains(host, ":") && aerr != nil {
		return nil, fmt.Errorf("dns resolver %q: %q is not an IP address", addr, host)
	}
	var d net.Dialer
	return &Checker{resolver: &net.Resolver{
		// The Go resolver, so that Dial is used for every query; it is
		// sent to addr whatever server resolv.conf names.
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}, nil
}

// Check looks up the TXT records of name (a fully qualified name, with or
// without its final dot) and succeeds when one of them is token. A name
// without records, or whose records hold other values (another claim's
// token, say), is errcode.DomainUnverified saying which; a resolver that
// fails or does not answer is errcode.Unavailable: the check may succeed
// later.
func (c *Checker) Check(ctx context.Context, name, token string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	// Absolute, so that no search domain of resolv.conf is tried.
	fqdn := strings.TrimSuffix(name, ".") + "."
	records, err := c.resolver.LookupTXT(ctx, fqdn)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return &errcode.Error{Cond: errcode.DomainUnverified, Subject: name,
				Detail: "no TXT record is published there; publish the token the claim names"}
		}
		return errcode.Wrap(errcode.Unavailable, fmt.Errorf("look up the TXT records of %s: %w", name, err))
	}
	for _, r := range records {
		// A record's character strings come joined; quotes and spaces
		// around the value are a common slip in zone files.
		if strings.Trim(strings.TrimSpace(r), `"`) == token {
			return nil
		}
	}
	return &errcode.Error{Cond: errcode.DomainUnverified, Subject: name,
		Detail: fmt.Sprintf("%d TXT record(s) published there, none of them this claim's token", len(records))}
}

package snapshot

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/route"
)

// Domain is a custom domain as the data plane serves it: one group's
// claim of a host name (model.Domain).
type Domain struct {
	// Name is the normalised host name.
	Name        string
	Group       string
	Environment model.Environment
	// Serving reports that calls to the domain reach its group
	// environment: the claim is verified and, where the operator requires
	// a filing, recorded. Otherwise they are answered
	// errcode.DomainNotRecorded.
	Serving bool
	// Certificate is served to a TLS client that names the domain, while
	// it is Serving; nil when the claim has none.
	Certificate *tls.Certificate
	// NotAfter is the certificate's expiry; zero without one.
	NotAfter time.Time

	verified bool
	created  time.Time
}

// domains are the claims of each host name, the one that answers first
// (see winsOver). A claim is shared by every snapshot its group's
// patches leave it in.
type domains map[string][]*Domain

// winsOver orders the claims of one name: the verified one (there is at
// most one), then the oldest, then by group id, so that every node, and
// a patch as a full compile, picks the same.
func winsOver(a, b *Domain) int {
	if a.verified != b.verified {
		if a.verified {
			return -1
		}
		return 1
	}
	if c := a.created.Compare(b.created); c != 0 {
		return c
	}
	return cmp.Compare(a.Group, b.Group)
}

// compileDomains compiles claims, parsing their certificates; one that
// does not parse is an error naming the claim, never the key.
func compileDomains(claims []model.Domain, requireRecord bool) (domains, error) {
	out := make(domains, len(claims))
	var errs []error
	for i := range claims {
		m := &claims[i]
		d := &Domain{Name: m.Domain, Group: m.GroupID, Environment: m.Environment,
			Serving: m.Serving(requireRecord), verified: m.Verified(), created: m.CreatedAt}
		if m.Certificate != "" {
			c, err := model.ParseCertificate(m.Domain, m.Certificate, m.PrivateKey)
			if err != nil {
				errs = append(errs, fmt.Errorf("domain %s of group %s: %w", m.Domain, m.GroupID, err))
				continue
			}
			d.Certificate, d.NotAfter = &c, c.Leaf.NotAfter
		}
		out[d.Name] = append(out[d.Name], d)
	}
	for _, cs := range out {
		slices.SortFunc(cs, winsOver)
	}
	return out, errors.Join(errs...)
}

// patch returns ds without the claims of the dirty groups and with those
// of part, which must all be of dirty groups.
func (ds domains) patch(dirty map[string]bool, part domains) (domains, error) {
	out := make(domains, len(ds)+len(part))
	for name, cs := range ds {
		kept := cs
		for _, c := range cs {
			if dirty[lower(c.Group)] {
				kept = slices.DeleteFunc(slices.Clone(cs), func(c *Domain) bool { return dirty[lower(c.Group)] })
				break
			}
		}
		if len(kept) > 0 {
			out[name] = kept
		}
	}
	for name, cs := range part {
		for _, c := range cs {
			if !dirty[lower(c.Group)] {
				return nil, fmt.Errorf("patch: group %s claims %s but is not named as changed", c.Group, name)
			}
		}
		merged := append(slices.Clone(out[name]), cs...)
		slices.SortFunc(merged, winsOver)
		out[name] = merged
	}
	return out, nil
}

// Domain returns the claim that answers for host (a Host header or a TLS
// server name), if host is a custom domain.
func (s *Snapshot) Domain(host string) (*Domain, bool) {
	if s == nil || len(s.domains) == 0 {
		return nil, false
	}
	cs := s.domains[route.HostName(host)]
	if len(cs) == 0 {
		return nil, false
	}
	return cs[0], true
}

// Certificate returns the certificate to present to a TLS client that
// named serverName, for tls.Config.GetCertificate: the one of the custom
// domain, if it serves and has one; nil otherwise, for the listener's
// own. A certificate change reaches new handshakes with the snapshot
// that holds it.
func (s *Snapshot) Certificate(serverName string) *tls.Certificate {
	d, ok := s.Domain(serverName)
	if !ok || !d.Serving {
		return nil
	}
	return d.Certificate
}

// Domains calls fn with every claim of every custom domain, in no
// particular order, for the metrics of their certificates.
func (s *Snapshot) Domains(fn func(*Domain)) {
	if s == nil {
		return
	}
	for _, cs := range s.domains {
		for _, d := range cs {
			fn(d)
		}
	}
}

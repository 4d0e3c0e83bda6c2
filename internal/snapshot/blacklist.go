package snapshot

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// blacklist is the compiled blacklist: pins in a set, single addresses in a
// set, and ranges in a list. Lists of ranges are short in practice (a few
// networks), so a scan beats a trie; single addresses, the common entry,
// cost one map lookup however many there are.
type blacklist struct {
	pins   map[string]struct{}
	addrs  map[netip.Addr]struct{}
	ranges []netip.Prefix
}

func compileBlacklist(entries []model.BlacklistEntry) (blacklist, error) {
	b := blacklist{pins: map[string]struct{}{}, addrs: map[netip.Addr]struct{}{}}
	var errs []error
	for _, e := range entries {
		switch e.Kind {
		case model.BlacklistPin:
			b.pins[e.Value] = struct{}{}
		case model.BlacklistIP:
			if err := b.addIP(e.Value); err != nil {
				errs = append(errs, fmt.Errorf("blacklist %q: %w", e.Value, err))
			}
		default:
			errs = append(errs, fmt.Errorf("blacklist %q: %w", e.Value,
				errcode.Newf(errcode.ParamValueInvalid, "unknown kind %q", e.Kind)))
		}
	}
	return b, errors.Join(errs...)
}

// addIP adds an address or a CIDR range.
func (b *blacklist) addIP(v string) error {
	if !strings.Contains(v, "/") {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return errcode.Newf(errcode.ParamValueInvalid, "not an IP address or CIDR range")
		}
		b.addrs[a.Unmap().WithZone("")] = struct{}{}
		return nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return errcode.Newf(errcode.ParamValueInvalid, "not an IP address or CIDR range")
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	if p.IsSingleIP() {
		b.addrs[p.Addr()] = struct{}{}
		return nil
	}
	b.ranges = append(b.ranges, p)
	return nil
}

// PinBlacklisted reports whether pin is on the blacklist.
func (s *Snapshot) PinBlacklisted(pin string) bool {
	_, ok := s.callers.blacklist.pins[pin]
	return ok
}

// HasIPBlacklist reports whether any address or range is blacklisted, so
// that the gateway parses the client's address only when it must.
func (s *Snapshot) HasIPBlacklist() bool {
	b := &s.callers.blacklist
	return len(b.addrs) > 0 || len(b.ranges) > 0
}

// IPBlacklisted reports whether a is on the blacklist, as an address or
// within a range. An IPv4 address mapped into IPv6 counts as the IPv4
// address.
func (s *Snapshot) IPBlacklisted(a netip.Addr) bool {
	b := &s.callers.blacklist
	if len(b.addrs) == 0 && len(b.ranges) == 0 {
		return false
	}
	a = a.Unmap().WithZone("")
	if _, ok := b.addrs[a]; ok {
		return true
	}
	for _, p := range b.ranges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

package egress

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// CheckURL returns a *Refusal if a backend URL saved by origin names an
// address the policy refuses: an IP literal (IPv4-mapped and other
// IPv6 forms included), a localhost name (which resolves to loopback on
// every system), or an IPv4 address in a spelling other than four
// decimal numbers. A host name is not resolved here: its address is
// checked when it is dialled (Control), where a DNS answer that changed
// since cannot get around the policy. A URL that does not parse is left
// to the backend's validation.
func (p *Policy) CheckURL(origin Origin, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil
	}
	for _, a := range hostAddrs(host) {
		if err := p.CheckAddr(origin, netip.AddrPortFrom(a, uint16(n))); err != nil {
			r := err.(*Refusal)
			r.Address = u.Host
			return r
		}
	}
	if _, err := netip.ParseAddr(host); err != nil && isLegacyIPv4(host) {
		return &Refusal{Address: u.Host, Rule: RuleIPSpelling}
	}
	return nil
}

var (
	loopback4 = netip.MustParseAddr("127.0.0.1")
	loopback6 = netip.IPv6Loopback()
)

// hostAddrs returns the addresses host stands for without asking DNS: an
// IP literal's own, the loopback addresses for a localhost name (RFC
// 6761: localhost and every name under it), none for another name.
func hostAddrs(host string) []netip.Addr {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || h == "localhost.localdomain" {
		return []netip.Addr{loopback4, loopback6}
	}
	return nil
}

// isLegacyIPv4 reports whether host is an IPv4 address in one of the
// spellings inet_aton accepts beyond the dotted-decimal quad: one to four
// parts, each decimal, octal (leading 0) or hexadecimal (0x), the last
// filling the remaining bytes ("2852039166", "0251.0376.0251.0376",
// "0xa9.254.43518", "127.1"). A trailing dot is ignored, as resolvers do.
func isLegacyIPv4(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return false
	}
	for _, part := range parts {
		if _, ok := parseInetPart(part); !ok {
			return false
		}
	}
	return true
}

// parseInetPart reads one part of an inet_aton address.
func parseInetPart(s string) (uint64, bool) {
	base := 10
	switch {
	case s == "":
		return 0, false
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	v, err := strconv.ParseUint(s, base, 32)
	return v, err == nil
}

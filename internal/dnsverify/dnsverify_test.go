package dnsverify

import (
	"context"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/dnstest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TestCheck checks verification against a real DNS server on loopback:
// the token found among other records, in any case of the name, split
// across character strings; and the refusals, each with its condition.
func TestCheck(t *testing.T) {
	dns := dnstest.Start(t)
	c, err := New(dns.Addr)
	if err != nil {
		t.Fatal(err)
	}
	const token = "tollgate-verify=abcdefghijklmnopqrstuvwxyz234567"
	long := "tollgate-verify=" + strings.Repeat("x", 300)
	dns.SetTXT("_tollgate.api.shop.example", "v=spf1 -all", token)
	dns.SetTXT("_tollgate.quoted.example", ` "`+token+`" `)
	dns.SetTXT("_tollgate.long.example", long)
	// Another domain's claim published its own token: it proves nothing
	// for this one.
	dns.SetTXT("_tollgate.other.example", "tollgate-verify=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
	dns.SetTXT("_tollgate.mixed.example", "tollgate-verify=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	dns.Fail("_tollgate.broken.example")

	tests := []struct {
		name, token string
		cond        *errcode.Condition
		detail      string
	}{
		{"_tollgate.api.shop.example", token, nil, ""},
		{"_tollgate.API.Shop.Example.", token, nil, ""},
		{"_tollgate.quoted.example", token, nil, ""},
		{"_tollgate.long.example", long, nil, ""},
		{"_tollgate.other.example", token, errcode.DomainUnverified, "none of them this claim's token"},
		{"_tollgate.mixed.example", token, errcode.DomainUnverified, "none of them"}, // tokens are compared exactly
		{"_tollgate.missing.example", token, errcode.DomainUnverified, "no TXT record"},
		{"_tollgate.api.shop.example", "tollgate-verify=", errcode.DomainUnverified, "none of them"},
		{"_tollgate.broken.example", token, errcode.Unavailable, ""},
	}
	for _, tt := range tests {
		err := c.Check(context.Background(), tt.name, tt.token)
		switch {
		case tt.cond == nil && err != nil:
			t.Errorf("Check(%s): %v, want it verified", tt.name, err)
		case tt.cond != nil && (!errcode.Has(err, tt.cond) || !strings.Contains(errcode.From(err).Detail+err.Error(), tt.detail)):
			t.Errorf("Check(%s): %v, want %s saying %q", tt.name, err, tt.cond.Name, tt.detail)
		}
	}
	if dns.Queries() == 0 {
		t.Fatal("the checker never asked the test's DNS server")
	}
}

// TestNewResolverAddress checks the forms of --dns-resolver.
func TestNewResolverAddress(t *testing.T) {
	for _, ok := range []string{"", "127.0.0.1:5353", "127.0.0.1", "[::1]:53", "::1", "dns.example:53"} {
		if _, err := New(ok); err != nil {
			t.Errorf("New(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{":53", "a:b:c:"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q): no error", bad)
		}
	}
}

package egress

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// policyWithListeners is a policy whose gateway listens on 8080 (all
// addresses) and 9080 (loopback), on a host that also has 10.9.9.9.
func policyWithListeners(allow ...string) *Policy {
	var prefixes []netip.Prefix
	for _, a := range allow {
		prefixes = append(prefixes, netip.MustParsePrefix(a))
	}
	p := New(prefixes)
	p.AddListener(&net.TCPAddr{IP: net.IPv6zero, Port: 8080})
	p.AddListener(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9080})
	p.interfaceAddrs = func() ([]net.Addr, error) {
		return []net.Addr{&net.IPNet{IP: net.IPv4(10, 9, 9, 9), Mask: net.CIDRMask(8, 32)}}, nil
	}
	return p
}

// TestCheckURL is the save-time check: every spelling an attacker may use
// for a forbidden address, for a tenant and for the operator.
func TestCheckURL(t *testing.T) {
	p := policyWithListeners("10.20.0.0/16")
	tests := []struct {
		url              string
		tenant, operator string // the rule, "" for allowed
	}{
		{"http://169.254.169.254/latest/meta-data", RuleLinkLocal, RuleLinkLocal},
		{"http://[::ffff:169.254.169.254]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[::ffff:a9fe:a9fe]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[64:ff9b::169.254.169.254]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[64:ff9b:1::a9fe:a9fe]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[2002:a9fe:a9fe::1]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[::169.254.169.254]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[fe80::1]/", RuleLinkLocal, RuleLinkLocal},
		{"http://[fe80::1%25eth0]:8000/", RuleLinkLocal, RuleLinkLocal},
		{"http://2852039166/", RuleIPSpelling, RuleIPSpelling},
		{"http://0251.0376.0251.0376/", RuleIPSpelling, RuleIPSpelling},
		{"http://0xa9fea9fe/", RuleIPSpelling, RuleIPSpelling},
		{"http://0xA9.0xFE.0xA9.0xFE/", RuleIPSpelling, RuleIPSpelling},
		{"http://169.254.43518/", RuleIPSpelling, RuleIPSpelling},
		{"http://127.1:8000/", RuleIPSpelling, RuleIPSpelling},
		{"http://169.254.169.254./", RuleIPSpelling, RuleIPSpelling},
		{"http://0.0.0.0:8000/", RuleUnspecified, RuleUnspecified},
		{"http://0.1.2.3:8000/", RuleUnspecified, RuleUnspecified},
		{"http://[::]:8000/", RuleUnspecified, RuleUnspecified},
		{"http://[::ffff:0.0.0.0]:8000/", RuleUnspecified, RuleUnspecified},
		{"http://239.1.2.3/", RuleMulticast, RuleMulticast},
		{"http://224.0.0.1/", RuleLinkLocal, RuleLinkLocal}, // link-local multicast
		{"http://[ff02::1]/", RuleLinkLocal, RuleLinkLocal}, // link-local multicast
		{"http://[ff05::1]/", RuleMulticast, RuleMulticast},
		{"http://255.255.255.255/", RuleMulticast, RuleMulticast},
		{"http://127.0.0.1:9080/v1/groups", RuleGatewayListener, RuleGatewayListener},
		{"http://127.0.0.2:8080/", RuleGatewayListener, RuleGatewayListener},
		{"http://[::1]:9080/", RuleGatewayListener, RuleGatewayListener},
		{"http://[::ffff:127.0.0.1]:9080/", RuleGatewayListener, RuleGatewayListener},
		{"http://localhost:9080/metrics", RuleGatewayListener, RuleGatewayListener},
		{"http://LocalHost.:8080/", RuleGatewayListener, RuleGatewayListener},
		{"http://admin.localhost:9080/", RuleGatewayListener, RuleGatewayListener},
		{"http://10.9.9.9:8080/", RuleGatewayListener, RuleGatewayListener}, // the host's own address
		{"http://127.0.0.1:8000/", RulePrivate, ""},
		{"http://localhost:8000/", RulePrivate, ""},
		{"http://foo.localhost:8000/", RulePrivate, ""},
		{"http://[::1]:8000/", RulePrivate, ""},
		{"http://10.0.0.5/", RulePrivate, ""},
		{"http://172.16.3.4/", RulePrivate, ""},
		{"http://192.168.1.1/", RulePrivate, ""},
		{"http://100.64.0.1/", RulePrivate, ""},
		{"http://[fd00::1]/", RulePrivate, ""},
		{"http://[fec0::1]/", RulePrivate, ""},
		{"http://[::ffff:10.0.0.5]/", RulePrivate, ""},
		{"http://[64:ff9b::10.0.0.5]/", RulePrivate, ""},
		{"http://10.20.3.4:8000/", "", ""},         // allowed by the operator
		{"http://10.20.3.4:8080/", "", ""},         // a gateway port, but not at a local address
		{"http://10.9.9.9:8000/", RulePrivate, ""}, // the host's address, another port
		{"http://203.0.113.7:9080/", "", ""},       // a gateway port elsewhere
		{"https://api.example.com/", "", ""},
		{"https://api.example.com:9080/", "", ""}, // a name: checked when dialled
		{"http://1.2.3.4/", "", ""},
		{"http://[2001:db8::1]/", "", ""},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			origin Origin
			want   string
		}{{Tenant, tt.tenant}, {Operator, tt.operator}} {
			err := p.CheckURL(c.origin, tt.url)
			var r *Refusal
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s, %s: refused: %v", tt.url, c.origin, err)
			case c.want != "" && !errors.As(err, &r):
				t.Errorf("%s, %s: allowed, want rule %s", tt.url, c.origin, c.want)
			case c.want != "" && r.Rule != c.want:
				t.Errorf("%s, %s: rule %s, want %s", tt.url, c.origin, r.Rule, c.want)
			}
		}
	}
}

// TestControl is the dial-time check: it sees resolved addresses, in the
// form net.Dialer gives them.
func TestControl(t *testing.T) {
	p := policyWithListeners()
	tests := []struct {
		address          string
		tenant, operator string
	}{
		{"169.254.169.254:80", RuleLinkLocal, RuleLinkLocal},
		{"[::ffff:169.254.169.254]:80", RuleLinkLocal, RuleLinkLocal},
		{"[fe80::1%eth0]:80", RuleLinkLocal, RuleLinkLocal},
		{"127.0.0.1:9080", RuleGatewayListener, RuleGatewayListener},
		{"[::1]:8080", RuleGatewayListener, RuleGatewayListener},
		{"127.0.0.1:8000", RulePrivate, ""},
		{"192.168.0.1:443", RulePrivate, ""},
		{"0.0.0.0:80", RuleUnspecified, RuleUnspecified},
		{"93.184.216.34:443", "", ""},
		{"not an address", RuleUnchecked, RuleUnchecked},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			origin Origin
			want   string
		}{{Tenant, tt.tenant}, {Operator, tt.operator}} {
			err := p.Control(c.origin)("tcp", tt.address, nil)
			var r *Refusal
			got := ""
			if errors.As(err, &r) {
				got = r.Rule
			}
			if got != c.want {
				t.Errorf("%s, %s: rule %q, want %q (%v)", tt.address, c.origin, got, c.want, err)
			}
		}
	}
}

// TestNilPolicy: a gateway that built no policy still refuses what is
// refused to everyone, and every private address to a tenant.
func TestNilPolicy(t *testing.T) {
	var p *Policy
	if err := p.CheckURL(Operator, "http://169.254.169.254/"); err == nil {
		t.Error("nil policy: metadata allowed")
	}
	if err := p.CheckURL(Tenant, "http://127.0.0.1:8000/"); err == nil {
		t.Error("nil policy: loopback allowed to a tenant")
	}
	if err := p.CheckURL(Operator, "http://127.0.0.1:8000/"); err != nil {
		t.Errorf("nil policy: loopback refused to the operator: %v", err)
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow(" 10.1.2.3/16, fd00::/8,192.168.7.7,::ffff:172.16.0.0/108")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.1.0.0/16", "fd00::/8", "192.168.7.7/32", "172.16.0.0/12"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0/8"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q): no error", bad)
		}
	}
}

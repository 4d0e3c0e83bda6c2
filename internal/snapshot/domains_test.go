package snapshot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestLookupDomains checks how a host finds a custom domain: in any case,
// with a port or a trailing dot; which claim answers when several groups
// claim one name; and that a host under the base domain is never one.
func TestLookupDomains(t *testing.T) {
	ca := certtest.NewCA(t)
	cert, key := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	t0 := time.Unix(1700000000, 0)
	claims := []model.Domain{
		{Domain: "api.shop.example", GroupID: "g-abc123", Environment: model.EnvTest, VerifiedAt: t0, CreatedAt: t0.Add(time.Hour), Certificate: cert, PrivateKey: key},
		// A later claim by another group, not verified: the verified one answers.
		{Domain: "api.shop.example", GroupID: "g-test", Environment: model.EnvOnline, CreatedAt: t0},
		// Two claims no one verified: the older answers.
		{Domain: "pending.example", GroupID: "g-test", Environment: model.EnvOnline, CreatedAt: t0.Add(time.Minute)},
		{Domain: "pending.example", GroupID: "g-abc123", Environment: model.EnvOnline, CreatedAt: t0},
		// A claim of a group the snapshot does not serve.
		{Domain: "orphan.example", GroupID: "g-gone", Environment: model.EnvOnline, VerifiedAt: t0, CreatedAt: t0},
		// A claim of a name under the base domain, as an older
		// configuration could hold: the base domain's reading wins.
		{Domain: "g-test.localhost", GroupID: "g-abc123", Environment: model.EnvOnline, VerifiedAt: t0, CreatedAt: t0},
	}
	s, err := Options{Domains: claims}.Compile(nil, testPubs(), model.Callers{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host           string
		group          string
		env            model.Environment
		domain         bool
		serving, tlsOK bool
	}{
		{"api.shop.example", "g-abc123", model.EnvTest, true, true, true},
		{"API.Shop.Example", "g-abc123", model.EnvTest, true, true, true},
		{"api.shop.example.", "g-abc123", model.EnvTest, true, true, true},
		{"api.shop.example:8443", "g-abc123", model.EnvTest, true, true, true},
		{"pending.example", "g-abc123", model.EnvOnline, true, false, false},
		{"orphan.example", "", "", false, false, false},
		{"g-test.localhost", "g-test", model.EnvOnline, false, false, false},
		{"shop.example", "", "", false, false, false},
		{"x.api.shop.example", "", "", false, false, false},
	}
	for _, tt := range tests {
		e, d, ok := s.Lookup(tt.host)
		if ok != (tt.group != "") || ok && (e.Group.ID != tt.group || e.Environment != tt.env) {
			t.Errorf("Lookup(%q) = %v, %v; want %q %q", tt.host, e, ok, tt.group, tt.env)
			continue
		}
		if (d != nil) != tt.domain || d != nil && d.Serving != tt.serving {
			t.Errorf("Lookup(%q): domain %+v, want a domain %v serving %v", tt.host, d, tt.domain, tt.serving)
		}
		if got := s.Certificate(tt.host) != nil; got != tt.tlsOK {
			t.Errorf("Certificate(%q): %v, want %v", tt.host, got, tt.tlsOK)
		}
	}
	d, _ := s.Domain("api.shop.example")
	if !d.NotAfter.Equal(d.Certificate.Leaf.NotAfter) || d.NotAfter.IsZero() {
		t.Errorf("NotAfter = %v, want the leaf's", d.NotAfter)
	}

	// Under a filing requirement, verified is not enough.
	s, err = Options{Domains: claims, RequireDomainRecord: true}.Compile(nil, testPubs(), model.Callers{})
	if err != nil {
		t.Fatal(err)
	}
	if _, d, _ := s.Lookup("api.shop.example"); d.Serving || s.Certificate("api.shop.example") != nil {
		t.Errorf("an unrecorded domain serves under --require-domain-record: %+v", d)
	}
	claims[0].RecordNumber = "ICP-1"
	s, _ = Options{Domains: claims, RequireDomainRecord: true}.Compile(nil, testPubs(), model.Callers{})
	if _, d, _ := s.Lookup("api.shop.example"); !d.Serving || s.Certificate("api.shop.example") == nil {
		t.Errorf("a recorded domain does not serve: %+v", d)
	}
}

// TestCompileDomainErrors checks that a stored certificate that does not
// load fails the compile naming its claim, never its key.
func TestCompileDomainErrors(t *testing.T) {
	ca := certtest.NewCA(t)
	cert, _ := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	_, other := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	_, err := Options{Domains: []model.Domain{{Domain: "api.shop.example", GroupID: "g-abc123", Environment: model.EnvOnline,
		Certificate: cert, PrivateKey: other}}}.Compile(nil, testPubs(), model.Callers{})
	if err == nil || !strings.Contains(err.Error(), "domain api.shop.example of group g-abc123") {
		t.Fatalf("Compile: %v, want an error naming the claim", err)
	}
	if strings.Contains(err.Error(), other[40:80]) {
		t.Errorf("the error quotes the key: %v", err)
	}
}

// TestPatchDomains checks that a patch replaces the claims of the groups
// it names and keeps the others', the previous snapshot untouched.
func TestPatchDomains(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	before := []model.Domain{
		{Domain: "one.example", GroupID: "g-abc123", Environment: model.EnvOnline, VerifiedAt: t0, CreatedAt: t0},
		{Domain: "two.example", GroupID: "g-test", Environment: model.EnvOnline, CreatedAt: t0},
		{Domain: "two.example", GroupID: "g-abc123", Environment: model.EnvTest, CreatedAt: t0.Add(time.Hour)},
	}
	prev, err := Options{Domains: before}.Compile(nil, testPubs(), model.Callers{})
	if err != nil {
		t.Fatal(err)
	}
	// g-test verified two.example, which dropped g-abc123's claim of it.
	after := []model.Domain{{Domain: "two.example", GroupID: "g-test", Environment: model.EnvOnline, VerifiedAt: t0, CreatedAt: t0}}
	pubs := testPubs()
	s, err := Options{Domains: append(after, before[0])}.Patch(prev, &Delta{Groups: []string{"g-test", "g-abc123"}, Published: pubs})
	if err != nil {
		t.Fatal(err)
	}
	if _, d, _ := s.Lookup("two.example"); d == nil || d.Group != "g-test" || !d.Serving {
		t.Errorf("after the patch two.example is %+v, want g-test's, serving", d)
	}
	n := 0
	s.Domains(func(*Domain) { n++ })
	if n != 2 {
		t.Errorf("after the patch %d claims, want 2", n)
	}
	if _, d, _ := prev.Lookup("two.example"); d == nil || d.Group != "g-test" || d.Serving {
		t.Errorf("the patch changed the previous snapshot: two.example is %+v", d)
	}
	// A patch whose claims are of a group it does not name is refused.
	if _, err := (Options{Domains: before[:1]}).Patch(prev, &Delta{Groups: []string{"g-test"}, Published: pubs[2:]}); err == nil {
		t.Errorf("a patch with a claim of a group it does not name went through")
	}
}

// BenchmarkLookup measures what finding a request's group environment
// costs for a host under the base domain and for a custom domain, in a
// snapshot holding 10,000 custom domains.
func BenchmarkLookup(b *testing.B) {
	t0 := time.Unix(1700000000, 0)
	var claims []model.Domain
	for i := range 10000 {
		claims = append(claims, model.Domain{Domain: fmt.Sprintf("api%d.shop.example", i), GroupID: "g-abc123",
			Environment: model.EnvOnline, VerifiedAt: t0, CreatedAt: t0})
	}
	s, err := Options{Domains: claims}.Compile(nil, testPubs(), model.Callers{})
	if err != nil {
		b.Fatal(err)
	}
	for _, host := range []string{"g-abc123.localhost", "api5000.shop.example", "API5000.shop.example:443"} {
		b.Run(host, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := s.Lookup(host); !ok {
					b.Fatal("not found")
				}
			}
		})
	}
}

package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// mustOwnedGroup creates a group owned by pin, which must be an account.
func mustOwnedGroup(t *testing.T, s store.Store, name, pin string) model.Group {
	t.Helper()
	g := model.Group{Name: name, Owner: pin}
	g.ApplyDefaults()
	g, err := s.CreateGroup(ctx, g)
	if err != nil {
		t.Fatalf("CreateGroup(%q of %s): %v", name, pin, err)
	}
	return g
}

func claim(groupID, domain string, env model.Environment) model.Domain {
	return model.Domain{Domain: domain, GroupID: groupID, Environment: env}
}

// testDomains checks the claims of custom domains: who may claim what,
// the limit per group, verification dropping the other claims, records,
// certificates with their sealed keys, and deletion.
func testDomains(t *testing.T, s store.Store) {
	mustAccount(t, s, "alice")
	mustAccount(t, s, "mallory")
	shop := mustOwnedGroup(t, s, "shop", "alice")
	blog := mustOwnedGroup(t, s, "blog", "alice")
	evil := mustOwnedGroup(t, s, "evil", "mallory")
	ops := mustGroup(t, s, "ops") // the operator's

	d, err := s.CreateDomain(ctx, claim(shop.ID, "api.shop.example", model.EnvOnline))
	if err != nil {
		t.Fatal(err)
	}
	if d.Domain != "api.shop.example" || d.GroupID != shop.ID || d.Environment != model.EnvOnline || d.Verified() ||
		!strings.HasPrefix(d.Token, "tollgate-verify=") || len(d.Token) != len("tollgate-verify=")+32 || d.CreatedAt.IsZero() {
		t.Errorf("CreateDomain: got %+v", d)
	}
	if got, err := s.Domain(ctx, shop.ID, "api.shop.example"); err != nil || got != d {
		t.Errorf("Domain: got %+v, %v; want %+v", got, err, d)
	}

	refusals := []struct {
		what    string
		d       model.Domain
		cond    *errcode.Condition
		subject string
	}{
		{"the same claim again", claim(shop.ID, "api.shop.example", model.EnvOnline), errcode.DomainBound, "api.shop.example"},
		{"another environment", claim(shop.ID, "api.shop.example", model.EnvTest), errcode.DomainBound, "api.shop.example"},
		{"a group of the same owner", claim(blog.ID, "api.shop.example", model.EnvOnline), errcode.DomainBound, "api.shop.example"},
		{"not normalised", claim(shop.ID, "API.shop.example", model.EnvOnline), errcode.ParamValueInvalid, "domain"},
		{"a wildcard", claim(shop.ID, "*.shop.example", model.EnvOnline), errcode.ParamValueInvalid, "domain"},
		{"no environment", claim(shop.ID, "b.shop.example", ""), errcode.ArgumentNotFound, "environment"},
		{"a certificate without its key", model.Domain{Domain: "c.shop.example", GroupID: shop.ID, Environment: model.EnvOnline, Certificate: "x"}, errcode.ArgumentNotFound, "privateKey"},
		{"a key without its certificate", model.Domain{Domain: "c.shop.example", GroupID: shop.ID, Environment: model.EnvOnline, PrivateKey: "x"}, errcode.ArgumentNotFound, "certificate"},
		{"an unknown group", claim("g-nosuchgroup0", "d.shop.example", model.EnvOnline), errcode.ResourceNotFound, "group g-nosuchgroup0"},
	}
	for _, tt := range refusals {
		_, err := s.CreateDomain(ctx, tt.d)
		wantErr(t, "CreateDomain("+tt.what+")", err, tt.cond, tt.subject)
	}
	if _, err := s.CreateDomain(ctx, claim(evil.ID, "api.shop.example", model.EnvOnline)); err != nil {
		t.Fatalf("another owner's claim of a domain no one verified: got %v, want it taken", err)
	}

	// Verifying binds the domain to the group and drops the other claim.
	v, err := s.VerifyDomain(ctx, shop.ID, "api.shop.example")
	if err != nil || !v.Verified() || v.Token != d.Token {
		t.Fatalf("VerifyDomain: got %+v, %v", v, err)
	}
	again, err := s.VerifyDomain(ctx, shop.ID, "api.shop.example")
	if err != nil || again.VerifiedAt != v.VerifiedAt {
		t.Errorf("VerifyDomain twice: got %+v, %v; want the first verification kept", again, err)
	}
	_, err = s.Domain(ctx, evil.ID, "api.shop.example")
	wantErr(t, "the losing claim after verification", err, errcode.ResourceNotFound, "")
	for _, g := range []model.Group{evil, ops} {
		_, err = s.CreateDomain(ctx, claim(g.ID, "api.shop.example", model.EnvOnline))
		wantErr(t, "another owner's claim of a verified domain", err, errcode.DomainExists, "api.shop.example")
		if e := errcode.From(err); strings.Contains(e.Error(), shop.ID) || strings.Contains(e.Error(), "alice") {
			t.Errorf("the refusal names the domain's group or owner: %v", e)
		}
	}
	_, err = s.VerifyDomain(ctx, evil.ID, "nothing.example")
	wantErr(t, "VerifyDomain(no claim)", err, errcode.ResourceNotFound, "domain nothing.example of group "+evil.ID)

	// Records.
	r, err := s.SetDomainRecord(ctx, shop.ID, "api.shop.example", "京ICP备12345678号-1")
	if err != nil || r.RecordNumber != "京ICP备12345678号-1" || r.RecordedAt.IsZero() {
		t.Errorf("SetDomainRecord: got %+v, %v", r, err)
	}
	_, err = s.SetDomainRecord(ctx, shop.ID, "api.shop.example", "bad\x00number")
	wantErr(t, "SetDomainRecord(a control character)", err, errcode.ParamValueInvalid, "recordNumber")
	if r, err = s.SetDomainRecord(ctx, shop.ID, "api.shop.example", ""); err != nil || r.RecordNumber != "" || !r.RecordedAt.IsZero() {
		t.Errorf("SetDomainRecord(withdrawn): got %+v, %v", r, err)
	}

	// Certificates: the key is sealed, and only LoadDomains opens it.
	cert, key := certtest.NewCA(t).Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	c, err := s.SetDomainCertificate(ctx, shop.ID, "api.shop.example", cert, key)
	if err != nil || c.Certificate != cert || c.PrivateKey != "" {
		t.Errorf("SetDomainCertificate: got certificate %v key %q, %v", c.Certificate == cert, c.PrivateKey, err)
	}
	_, err = s.SetDomainCertificate(ctx, shop.ID, "api.shop.example", cert, "")
	wantErr(t, "SetDomainCertificate(no key)", err, errcode.ArgumentNotFound, "privateKey")
	if got, _ := s.Domain(ctx, shop.ID, "api.shop.example"); got.PrivateKey != "" || got.Certificate != cert {
		t.Errorf("Domain: certificate %v, key %q; want the certificate and no key", got.Certificate == cert, got.PrivateKey)
	}
	if list, _ := s.ListDomains(ctx, shop.ID); len(list) != 1 || list[0].PrivateKey != "" {
		t.Errorf("ListDomains: got %+v; want one claim without its key", list)
	}
	withKey, err := s.CreateDomain(ctx, model.Domain{Domain: "www.shop.example", GroupID: shop.ID, Environment: model.EnvTest, Certificate: cert, PrivateKey: key})
	if err != nil || withKey.PrivateKey != "" {
		t.Fatalf("CreateDomain with a certificate: got key %q, %v", withKey.PrivateKey, err)
	}
	all, err := s.LoadDomains(ctx)
	if err != nil || len(all) != 2 || all[0].Domain != "api.shop.example" || all[0].PrivateKey != key || all[1].PrivateKey != key {
		t.Errorf("LoadDomains: got %d claims, %v; want both, in domain order, with their keys", len(all), err)
	}
	if c, err = s.SetDomainCertificate(ctx, shop.ID, "api.shop.example", "", ""); err != nil || c.Certificate != "" {
		t.Errorf("SetDomainCertificate(removed): got %+v, %v", c, err)
	}
	if all, _ = s.LoadDomains(ctx); all[0].PrivateKey != "" || all[0].Certificate != "" {
		t.Errorf("LoadDomains after removal: got a certificate %v, a key %v", all[0].Certificate != "", all[0].PrivateKey != "")
	}

	// At most model.MaxDomains claims per group, pending or verified.
	for i := 2; i < model.MaxDomains; i++ {
		if _, err := s.CreateDomain(ctx, claim(shop.ID, fmt.Sprintf("n%d.shop.example", i), model.EnvOnline)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.CreateDomain(ctx, claim(shop.ID, "full.shop.example", model.EnvOnline))
	wantErr(t, "CreateDomain past the limit", err, errcode.DomainLimitReached, "")
	if list, _ := s.ListDomains(ctx, shop.ID); len(list) != model.MaxDomains || list[0].Domain != "api.shop.example" {
		t.Errorf("ListDomains: got %d claims, want %d in creation order", len(list), model.MaxDomains)
	}
	_, err = s.ListDomains(ctx, "g-nosuchgroup0")
	wantErr(t, "ListDomains(unknown group)", err, errcode.ResourceNotFound, "")

	// Unbinding frees the domain for anyone; deleting the group unbinds
	// its domains.
	if err := s.DeleteDomain(ctx, shop.ID, "api.shop.example"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "DeleteDomain twice", s.DeleteDomain(ctx, shop.ID, "api.shop.example"), errcode.ResourceNotFound, "")
	if _, err := s.CreateDomain(ctx, claim(evil.ID, "api.shop.example", model.EnvOnline)); err != nil {
		t.Errorf("a claim of an unbound domain: %v", err)
	}
	if err := s.DeleteGroup(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ = s.LoadDomains(ctx); len(all) != 1 || all[0].GroupID != evil.ID {
		t.Errorf("after the group's deletion LoadDomains = %+v, want evil's claim alone", all)
	}
}

// testConcurrentDomains checks that claims racing each other cannot pass
// the limit together, and that of two owners verifying one domain at
// once exactly one binds it.
func testConcurrentDomains(t *testing.T, s store.Store) {
	mustAccount(t, s, "alice")
	mustAccount(t, s, "bob")
	g := mustOwnedGroup(t, s, "race", "alice")
	var wg sync.WaitGroup
	errs := make([]error, 3*model.MaxDomains)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.CreateDomain(ctx, claim(g.ID, fmt.Sprintf("d%d.race.example", i), model.EnvOnline))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errcode.Has(err, errcode.DomainLimitReached):
			t.Errorf("a racing claim: %v", err)
		}
	}
	if ok != model.MaxDomains {
		t.Errorf("%d racing claims succeeded, want %d", ok, model.MaxDomains)
	}

	a := mustOwnedGroup(t, s, "a", "alice")
	b := mustOwnedGroup(t, s, "b", "bob")
	for _, x := range []model.Group{a, b} {
		if _, err := s.CreateDomain(ctx, claim(x.ID, "contested.example", model.EnvOnline)); err != nil {
			t.Fatal(err)
		}
	}
	var va, vb error
	wg.Go(func() { _, va = s.VerifyDomain(ctx, a.ID, "contested.example") })
	wg.Go(func() { _, vb = s.VerifyDomain(ctx, b.ID, "contested.example") })
	wg.Wait()
	if (va == nil) == (vb == nil) {
		t.Fatalf("two verifications at once: %v and %v; want exactly one to bind the domain", va, vb)
	}
	for _, err := range []error{va, vb} {
		if err != nil && !errcode.Has(err, errcode.ResourceNotFound) && !errcode.Has(err, errcode.DomainExists) {
			t.Errorf("the losing verification: %v", err)
		}
	}
	all, err := s.LoadDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range all {
		if d.Domain == "contested.example" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("contested.example has %d claims after the race, want the winner's alone", n)
	}
}

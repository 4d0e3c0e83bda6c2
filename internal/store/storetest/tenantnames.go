package storetest

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// testTenantGroupNames checks that a group's name is unique among its
// owner's groups only ("" being the operator's own), compared after NFKC
// and case folding: a tenant cannot learn another tenant's group names
// from a refusal, nor make two groups a reader cannot tell apart.
func testTenantGroupNames(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustAccount(t, s, "b")
	group := func(owner, name string) (model.Group, error) {
		g := model.Group{Name: name, Owner: owner}
		g.ApplyDefaults()
		return s.CreateGroup(ctx, g)
	}
	shopA, err := group("a", "shop")
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	for _, owner := range []string{"b", ""} {
		if _, err := group(owner, "shop"); err != nil {
			t.Errorf("CreateGroup %q for owner %q while a has it: %v", "shop", owner, err)
		}
	}
	for _, name := range []string{"shop", "Shop", "SHOP", "ｓｈｏｐ", "Ｓｈｏｐ"} {
		_, err := group("a", name)
		wantErr(t, "CreateGroup of a's "+name, err, errcode.GroupNameRepeat, "")
	}
	other, err := group("a", "store")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateGroup(ctx, other.ID, func(g *model.Group) error { g.Name = "ＳＨＯＰ"; return nil })
	wantErr(t, "UpdateGroup to a's name, full-width", err, errcode.GroupNameRepeat, "")
	// Renaming a group to its own name in another case is no conflict.
	if _, err := s.UpdateGroup(ctx, shopA.ID, func(g *model.Group) error { g.Name = "Shop"; return nil }); err != nil {
		t.Errorf("UpdateGroup to its own name in capitals: %v", err)
	}
	// Giving a group to another owner takes its name into that owner's
	// names, where b already has a shop.
	_, err = s.UpdateGroup(ctx, shopA.ID, func(g *model.Group) error { g.Owner = "b"; return nil })
	wantErr(t, "UpdateGroup to an owner with the name", err, errcode.GroupNameRepeat, "")
	if _, err := s.UpdateGroup(ctx, other.ID, func(g *model.Group) error { g.Owner = "b"; return nil }); err != nil {
		t.Errorf("UpdateGroup to an owner without the name: %v", err)
	}
	// The name is free again once the group is gone.
	if err := s.DeleteGroup(ctx, shopA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := group("a", "SHOP"); err != nil {
		t.Errorf("CreateGroup of a deleted group's name: %v", err)
	}
}

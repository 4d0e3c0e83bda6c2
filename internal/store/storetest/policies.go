package storetest

import (
	"fmt"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func newPolicy(name string) model.Policy {
	return model.Policy{Name: name, Unit: model.UnitMinute, APILimit: 100, UserLimit: 50, KeyLimit: 10}
}

func mustPolicy(t *testing.T, s store.Store, name string) model.Policy {
	t.Helper()
	p, err := s.CreatePolicy(ctx, newPolicy(name))
	if err != nil {
		t.Fatalf("CreatePolicy(%q): %v", name, err)
	}
	return p
}

func testPolicies(t *testing.T, s store.Store) {
	p := newPolicy("gold")
	p.Owner = "pin-a"
	created, err := s.CreatePolicy(ctx, p)
	if err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	if created.ID == "" || created.CreatedAt.IsZero() || created.Owner != "pin-a" {
		t.Fatalf("CreatePolicy: got %+v", created)
	}
	got, err := s.Policy(ctx, created.ID)
	if err != nil || got != created {
		t.Fatalf("Policy: got %+v, %v; want %+v", got, err, created)
	}
	_, err = s.CreatePolicy(ctx, newPolicy("gold"))
	wantErr(t, "duplicate name", err, errcode.PolicyNameRepeat, "")
	bad := newPolicy("silver")
	bad.UserLimit = 101
	_, err = s.CreatePolicy(ctx, bad)
	wantErr(t, "user limit above api limit", err, errcode.ArgumentsInconsistent, "userLimit")

	other := mustPolicy(t, s, "silver")
	_, err = s.UpdatePolicy(ctx, other.ID, func(p *model.Policy) error { p.Name = "gold"; return nil })
	wantErr(t, "rename to a taken name", err, errcode.PolicyNameRepeat, "")
	_, err = s.UpdatePolicy(ctx, other.ID, func(p *model.Policy) error { p.KeyLimit = 1000; return nil })
	wantErr(t, "key limit above api limit", err, errcode.ArgumentsInconsistent, "keyLimit")
	upd, err := s.UpdatePolicy(ctx, other.ID, func(p *model.Policy) error {
		p.Unit, p.APILimit, p.Owner = model.UnitSecond, 1000, "thief"
		return nil
	})
	if err != nil || upd.Unit != model.UnitSecond || upd.APILimit != 1000 || upd.Owner != "" {
		t.Fatalf("UpdatePolicy: got %+v, %v", upd, err)
	}

	mine, n, err := s.ListPolicies(ctx, "pin-a", false, store.Page{Number: 1, Size: 10})
	if err != nil || n != 1 || len(mine) != 1 || mine[0].ID != created.ID {
		t.Fatalf("ListPolicies(pin-a): got %v, %d, %v", mine, n, err)
	}
	all, n, err := s.ListPolicies(ctx, "", true, store.Page{Number: 1, Size: 10})
	if err != nil || n != 2 || len(all) != 2 {
		t.Fatalf("ListPolicies(all): got %v, %d, %v", all, n, err)
	}

	if err := s.DeletePolicy(ctx, other.ID); err != nil {
		t.Fatalf("DeletePolicy: %v", err)
	}
	_, err = s.Policy(ctx, other.ID)
	wantErr(t, "deleted policy", err, errcode.ResourceNotFound, "")
	wantErr(t, "delete twice", s.DeletePolicy(ctx, other.ID), errcode.ResourceNotFound, "")
}

func testPolicyBindings(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	p1 := mustPolicy(t, s, "p1")
	p2 := mustPolicy(t, s, "p2")
	b, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p1.ID, GroupID: g.ID, Environment: model.EnvOnline})
	if err != nil || b.CreatedAt.IsZero() {
		t.Fatalf("BindPolicy: %+v, %v", b, err)
	}
	if _, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p1.ID, GroupID: g.ID, Environment: model.EnvOnline}); err != nil {
		t.Fatalf("BindPolicy again: %v", err)
	}
	_, err = s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p1.ID, GroupID: "g-nosuchgroup", Environment: model.EnvOnline})
	wantErr(t, "unknown group", err, errcode.ResourceNotFound, "")
	_, err = s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p1.ID, GroupID: g.ID, Environment: "prod"})
	wantErr(t, "unknown environment", err, errcode.ParamValueInvalid, "environment")

	wantErr(t, "delete while bound", s.DeletePolicy(ctx, p1.ID), errcode.DeleteWhileBound, "")

	// A second policy on the same group environment replaces the first.
	if _, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p2.ID, GroupID: g.ID, Environment: model.EnvOnline}); err != nil {
		t.Fatalf("BindPolicy p2: %v", err)
	}
	if bs, err := s.PolicyBindings(ctx, p1.ID); err != nil || len(bs) != 0 {
		t.Fatalf("PolicyBindings(p1) after replacement: %v, %v", bs, err)
	}
	if bs, err := s.PolicyBindings(ctx, p2.ID); err != nil || len(bs) != 1 || bs[0].GroupID != g.ID {
		t.Fatalf("PolicyBindings(p2): %v, %v", bs, err)
	}
	if err := s.DeletePolicy(ctx, p1.ID); err != nil {
		t.Fatalf("DeletePolicy of the replaced policy: %v", err)
	}

	loaded, err := s.LoadPolicies(ctx)
	if err != nil || len(loaded.Policies) != 1 || len(loaded.Bindings) != 1 || loaded.Bindings[0].PolicyID != p2.ID {
		t.Fatalf("LoadPolicies: %+v, %v", loaded, err)
	}

	wantErr(t, "unbind what is not bound", s.UnbindPolicy(ctx, p2.ID, g.ID, model.EnvTest), errcode.ResourceNotFound, "")
	if err := s.UnbindPolicy(ctx, p2.ID, g.ID, model.EnvOnline); err != nil {
		t.Fatalf("UnbindPolicy: %v", err)
	}
	if err := s.DeletePolicy(ctx, p2.ID); err != nil {
		t.Fatalf("DeletePolicy after unbinding: %v", err)
	}

	// Deleting a group deletes its bindings.
	p3 := mustPolicy(t, s, "p3")
	g2 := mustGroup(t, s, "other")
	if _, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p3.ID, GroupID: g2.ID, Environment: model.EnvTest}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, g2.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePolicy(ctx, p3.ID); err != nil {
		t.Fatalf("DeletePolicy after its group was deleted: %v", err)
	}
}

// testPolicyBindingLimit: a policy is bound to at most
// store.MaxPolicyBindings group environments.
func testPolicyBindingLimit(t *testing.T, s store.Store) {
	p := mustPolicy(t, s, "busy")
	var last model.Group
	n := 0
	for i := 0; n < store.MaxPolicyBindings; i++ {
		last = mustGroup(t, s, fmt.Sprintf("g%d", i))
		for _, env := range model.Environments {
			if n == store.MaxPolicyBindings {
				break
			}
			if _, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p.ID, GroupID: last.ID, Environment: env}); err != nil {
				t.Fatalf("binding %d: %v", n, err)
			}
			n++
		}
	}
	g := mustGroup(t, s, "one-too-many")
	_, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p.ID, GroupID: g.ID, Environment: model.EnvOnline})
	wantErr(t, "one binding too many", err, errcode.BindGroupTooMuch, "")
	// Binding again where it is bound is no new binding.
	if _, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p.ID, GroupID: last.ID, Environment: model.EnvTest}); err != nil {
		t.Fatalf("rebinding at the limit: %v", err)
	}
}

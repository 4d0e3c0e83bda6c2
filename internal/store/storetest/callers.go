package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testLoadCallers(t *testing.T, s store.Store) {
	c, err := s.LoadCallers(ctx)
	if err != nil {
		t.Fatalf("LoadCallers of an empty store: %v", err)
	}
	if len(c.Accounts)+len(c.Users)+len(c.Roles)+len(c.Keys)+len(c.Authorizations)+len(c.Blacklist) != 0 {
		t.Errorf("LoadCallers of an empty store: got %+v", c)
	}

	mustAccount(t, s, "a")
	if _, err := s.UpdateAccount(ctx, "a", func(a *model.Account) error { a.Status = model.AccountDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	mustAccount(t, s, "b")
	mustRole(t, s, "a", "dev", "*")
	u := model.User{Pin: "a", Name: "alice", Role: "dev", PasswordHash: "hash"}
	u.ApplyDefaults()
	if _, err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	plain := mustKey(t, s, "a", "")
	disabled := mustKey(t, s, "b", "")
	if _, err := s.UpdateKey(ctx, disabled.AccessKey, func(k *model.Key) error { k.Enabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	rotated := mustKey(t, s, "b", "")
	r, err := s.RotateKey(ctx, rotated.AccessKey, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	graceOver := mustKey(t, s, "b", "")
	if _, err := s.RotateKey(ctx, graceOver.AccessKey, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	session := mustSession(t, s, "a", "alice", time.Hour)
	expired := mustSession(t, s, "a", "alice", time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	g := mustGroup(t, s, "shop")
	if _, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvOnline, Pin: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBlacklistEntry(ctx, model.BlacklistEntry{Kind: model.BlacklistIP, Value: "192.0.2.0/24"}); err != nil {
		t.Fatal(err)
	}

	c, err = s.LoadCallers(ctx)
	if err != nil {
		t.Fatalf("LoadCallers: %v", err)
	}
	if len(c.Accounts) != 2 || c.Accounts[0].Pin != "a" || c.Accounts[0].Status != model.AccountDisabled || c.Accounts[1].Pin != "b" {
		t.Errorf("LoadCallers accounts: got %+v", c.Accounts)
	}
	if len(c.Users) != 1 || c.Users[0].Name != "alice" || c.Users[0].Role != "dev" || c.Users[0].PasswordHash != "" {
		t.Errorf("LoadCallers users: got %+v (password hashes stay in the store)", c.Users)
	}
	if len(c.Roles) != 1 || c.Roles[0].Name != "dev" || c.Roles[0].Pin != "a" {
		t.Errorf("LoadCallers roles: got %+v", c.Roles)
	}
	if len(c.Authorizations) != 1 || c.Authorizations[0].Pin != "b" || len(c.Blacklist) != 1 || c.Blacklist[0].Value != "192.0.2.0/24" {
		t.Errorf("LoadCallers authorizations and blacklist: got %+v, %+v", c.Authorizations, c.Blacklist)
	}

	tests := []struct {
		name         string
		accessKey    string
		want         bool
		secret       []byte
		previous     []byte
		enabled      bool
		wantExpiring bool
	}{
		{"plain", plain.AccessKey, true, plain.Secret, nil, true, false},
		{"disabled", disabled.AccessKey, true, disabled.Secret, nil, false, false},
		{"rotated, in its grace", rotated.AccessKey, true, r.Secret, rotated.Secret, true, false},
		{"rotated, grace over", graceOver.AccessKey, true, nil, nil, true, false},
		{"session", session.AccessKey, true, session.Secret, nil, true, true},
		{"expired session", expired.AccessKey, false, nil, nil, false, false},
	}
	for _, tt := range tests {
		k, ok := keyOf(c.Keys, tt.accessKey)
		if ok != tt.want {
			t.Errorf("LoadCallers %s key: present %v, want %v", tt.name, ok, tt.want)
			continue
		}
		if !ok {
			continue
		}
		if tt.secret != nil && !bytes.Equal(k.Secret, tt.secret) {
			t.Errorf("LoadCallers %s key: got secret %q, want %q", tt.name, k.Secret, tt.secret)
		}
		if len(k.Secret) == 0 {
			t.Errorf("LoadCallers %s key: no secret", tt.name)
		}
		if !bytes.Equal(k.PreviousSecret, tt.previous) || (tt.previous == nil) != k.PreviousExpires.IsZero() {
			t.Errorf("LoadCallers %s key: got previous %q until %v, want %q", tt.name, k.PreviousSecret, k.PreviousExpires, tt.previous)
		}
		if k.Enabled != tt.enabled || k.Expires.IsZero() == tt.wantExpiring {
			t.Errorf("LoadCallers %s key: got %+v", tt.name, k)
		}
	}
	var order []string
	for _, k := range c.Keys {
		order = append(order, k.AccessKey)
	}
	want := []string{plain.AccessKey, disabled.AccessKey, rotated.AccessKey, graceOver.AccessKey, session.AccessKey}
	if len(order) != len(want) {
		t.Fatalf("LoadCallers keys: got %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Errorf("LoadCallers keys: got order %v, want creation order %v", order, want)
			break
		}
	}
}

package storetest

import (
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testUsers(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustAccount(t, s, "b")
	mustRole(t, s, "a", "dev", "groups.read")
	mustRole(t, s, "b", "ops", "*")

	u, err := s.CreateUser(ctx, model.User{Pin: "a", Name: "alice", Email: "Alice@Example.com", Role: "dev", Status: model.UserActive, PasswordHash: "hash"})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.Email != "alice@example.com" || u.CreatedAt.IsZero() {
		t.Errorf("CreateUser: got %+v, want the e-mail address in lower case", u)
	}
	got, err := s.User(ctx, "a", "alice")
	if err != nil || got.Email != "alice@example.com" || got.Role != "dev" || got.PasswordHash != "hash" || got.Status != model.UserActive {
		t.Errorf("User: got %+v, %v", got, err)
	}
	_, err = s.User(ctx, "b", "alice")
	wantErr(t, "User through another account", err, errcode.ResourceNotFound, "user alice")

	tests := []struct {
		name    string
		u       model.User
		cond    *errcode.Condition
		subject string
	}{
		{"name taken in the account", model.User{Pin: "a", Name: "alice"}, errcode.UserNameTaken, "name"},
		{"name taken in the account, other case", model.User{Pin: "a", Name: "ALICE"}, errcode.UserNameTaken, "name"},
		{"e-mail taken in the account, other case", model.User{Pin: "a", Name: "bob", Email: "ALICE@example.com"}, errcode.UserEmailTaken, "email"},
		{"e-mail taken in the account, full-width", model.User{Pin: "a", Name: "bob", Email: "ａｌｉｃｅ@example.com"}, errcode.UserEmailTaken, "email"},
		{"role of another account", model.User{Pin: "a", Name: "bob", Role: "ops"}, errcode.RoleNotFound, "role"},
		{"unknown account", model.User{Pin: "c", Name: "bob"}, errcode.ResourceNotFound, "account c"},
		{"bad name", model.User{Pin: "a", Name: "bob smith"}, errcode.ParamValueInvalid, "name"},
		{"bad e-mail", model.User{Pin: "a", Name: "bob", Email: "Bob <bob@example.com>"}, errcode.ParamValueInvalid, "email"},
		{"bad status", model.User{Pin: "a", Name: "bob", Status: "gone"}, errcode.ParamValueInvalid, "status"},
	}
	for _, tt := range tests {
		tt.u.ApplyDefaults()
		_, err := s.CreateUser(ctx, tt.u)
		wantErr(t, "CreateUser: "+tt.name, err, tt.cond, tt.subject)
	}

	// Names and addresses are unique per account: another tenant's users
	// are no business of b, and a refusal would tell b they exist.
	if _, err := s.CreateUser(ctx, model.User{Pin: "b", Name: "alice", Email: "alice@example.com", Status: model.UserActive}); err != nil {
		t.Errorf("CreateUser with another account's user name and address: %v", err)
	}
	if got, _ := s.User(ctx, "a", "alice"); got.Email != "alice@example.com" || got.Role != "dev" {
		t.Errorf("another account's user of the same name changed a's: got %+v", got)
	}
	mustUser(t, s, "b", "bob", "bob@example.com", "ops")
	_, err = s.UpdateUser(ctx, "b", "bob", func(u *model.User) error { u.Email = "alice@example.com"; return nil })
	wantErr(t, "UpdateUser to a taken e-mail", err, errcode.UserEmailTaken, "email")
	mustUser(t, s, "a", "bob", "bob@example.com", "")
	_, err = s.UpdateUser(ctx, "b", "bob", func(u *model.User) error { u.Role = "dev"; return nil })
	wantErr(t, "UpdateUser to another account's role", err, errcode.RoleNotFound, "role")
	updated, err := s.UpdateUser(ctx, "a", "alice", func(u *model.User) error {
		u.Status, u.PasswordHash, u.Role = model.UserDisabled, "new-hash", ""
		u.Name, u.Pin = "mallory", "b" // must be ignored
		return nil
	})
	if err != nil || updated.Name != "alice" || updated.Pin != "a" || updated.Status != model.UserDisabled || updated.Email != "alice@example.com" {
		t.Fatalf("UpdateUser: got %+v, %v", updated, err)
	}
	if got, _ := s.User(ctx, "a", "alice"); got.PasswordHash != "new-hash" || got.Role != "" || got.Status != model.UserDisabled {
		t.Errorf("User after update: got %+v", got)
	}
	_, err = s.UpdateUser(ctx, "a", "bob2", func(*model.User) error { return nil })
	wantErr(t, "UpdateUser of no user", err, errcode.ResourceNotFound, "user bob2")
	if got, _ := s.User(ctx, "b", "alice"); got.Status != model.UserActive {
		t.Errorf("updating a's alice changed b's: got %+v", got)
	}

	mustUser(t, s, "a", "carol", "", "")
	mustUser(t, s, "a", "dave", "", "") // no e-mail twice is fine
	users, total, err := s.ListUsers(ctx, "a", store.Page{Number: 1, Size: 2})
	if err != nil || total != 4 || len(users) != 2 || users[0].Name != "alice" || users[1].Name != "bob" {
		t.Errorf("ListUsers: got %+v of %d, %v", users, total, err)
	}

	wantErr(t, "DeleteUser through another account", s.DeleteUser(ctx, "b", "carol"), errcode.ResourceNotFound, "user carol")
	if err := s.DeleteUser(ctx, "a", "carol"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = s.User(ctx, "a", "carol")
	wantErr(t, "User after delete", err, errcode.ResourceNotFound, "user carol")
	// The name is free again.
	mustUser(t, s, "a", "carol", "", "")
	// Deleting a's user leaves b's user of the same name, and its keys.
	if err := s.DeleteUser(ctx, "a", "alice"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.User(ctx, "b", "alice"); err != nil {
		t.Errorf("b's alice after deleting a's: %v", err)
	}
}

func testRoles(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustAccount(t, s, "b")
	r, err := s.CreateRole(ctx, model.Role{Pin: "a", Name: "dev", Groups: []string{"g-one"}, Actions: []string{"groups.*", "keys.read"}})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if r.APIs == nil || len(r.APIs) != 0 {
		t.Errorf("CreateRole: a missing list must read as empty, got %+v", r)
	}
	got, err := s.Role(ctx, "a", "dev")
	if err != nil || !slices.Equal(got.Groups, []string{"g-one"}) || !slices.Equal(got.Actions, []string{"groups.*", "keys.read"}) || got.APIs == nil {
		t.Errorf("Role: got %+v, %v", got, err)
	}
	// Role names are per account.
	mustRole(t, s, "b", "dev")
	_, err = s.CreateRole(ctx, model.Role{Pin: "a", Name: "dev"})
	wantErr(t, "CreateRole with a taken name", err, errcode.RecordConflict, "name")
	for _, tt := range []struct {
		r       model.Role
		subject string
	}{
		{model.Role{Pin: "a", Name: "x", Actions: []string{"keys.fly"}}, "actions"},
		{model.Role{Pin: "a", Name: "x", Actions: []string{"fly.*"}}, "actions"},
		{model.Role{Pin: "a", Name: "x", Groups: []string{"g one"}}, "groups"},
		{model.Role{Pin: "a", Name: "x", APIs: []string{"a", "a"}}, "apis"},
		{model.Role{Pin: "a", Name: "x y"}, "name"},
	} {
		_, err := s.CreateRole(ctx, tt.r)
		wantErr(t, "CreateRole invalid", err, errcode.ParamValueInvalid, tt.subject)
	}

	updated, err := s.UpdateRole(ctx, "a", "dev", func(r *model.Role) error {
		r.Actions, r.Groups = []string{"*"}, nil
		r.Name = "other" // must be ignored
		return nil
	})
	if err != nil || updated.Name != "dev" || !slices.Equal(updated.Actions, []string{"*"}) || updated.Groups == nil || len(updated.Groups) != 0 {
		t.Errorf("UpdateRole: got %+v, %v", updated, err)
	}

	mustUser(t, s, "a", "alice", "", "dev")
	wantErr(t, "DeleteRole held by a user", s.DeleteRole(ctx, "a", "dev"), errcode.DeleteWhileBound, "")
	if _, err := s.UpdateUser(ctx, "a", "alice", func(u *model.User) error { u.Role = ""; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(ctx, "a", "dev"); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}
	_, err = s.Role(ctx, "a", "dev")
	wantErr(t, "Role after delete", err, errcode.ResourceNotFound, "role dev")
	if _, err := s.Role(ctx, "b", "dev"); err != nil {
		t.Errorf("another account's role of the same name went too: %v", err)
	}
	roles, total, err := s.ListRoles(ctx, "b", all)
	if err != nil || total != 1 || len(roles) != 1 || roles[0].Name != "dev" {
		t.Errorf("ListRoles: got %+v of %d, %v", roles, total, err)
	}
}

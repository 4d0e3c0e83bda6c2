package storetest

import (
	"regexp"
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testAuthorizations(t *testing.T, s store.Store) {
	mustAccount(t, s, "pub")
	mustAccount(t, s, "caller")
	g := mustGroup(t, s, "shop")
	api := mustAPI(t, s, g.ID, "a", "GET", "/a")
	other := mustGroup(t, s, "other")
	otherAPI := mustAPI(t, s, other.ID, "a", "GET", "/a")
	theirs, err := s.CreateGroup(ctx, model.Group{Name: "theirs", Owner: "pub"})
	if err != nil {
		t.Fatal(err)
	}
	theirAPI := mustAPI(t, s, theirs.ID, "a", "GET", "/a")
	k := mustKey(t, s, "caller", "")

	byKey, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvTest, AccessKey: k.AccessKey, APIs: []string{api.ID}})
	if err != nil {
		t.Fatalf("CreateAuthorization by key: %v", err)
	}
	if !authorizationID.MatchString(byKey.ID) || byKey.CreatedAt.IsZero() {
		t.Errorf("CreateAuthorization: got %+v", byKey)
	}
	byPin, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvTest, Pin: "caller"})
	if err != nil {
		t.Fatalf("CreateAuthorization by pin: %v", err)
	}
	// Another environment is another authorization.
	if _, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvOnline, Pin: "caller"}); err != nil {
		t.Fatalf("CreateAuthorization online: %v", err)
	}

	tests := []struct {
		name    string
		a       model.Authorization
		cond    *errcode.Condition
		subject string
	}{
		{"key again", model.Authorization{GroupID: g.ID, Environment: model.EnvTest, AccessKey: k.AccessKey}, errcode.AccessKeyAuthRepeat, ""},
		{"pin again", model.Authorization{GroupID: g.ID, Environment: model.EnvTest, Pin: "caller"}, errcode.AccessKeyAuthRepeat, ""},
		{"unknown key", model.Authorization{GroupID: g.ID, Environment: model.EnvTest, AccessKey: "TGNOSUCHKEY"}, errcode.KeyIDNotFound, ""},
		{"unknown pin", model.Authorization{GroupID: g.ID, Environment: model.EnvTest, Pin: "nobody"}, errcode.PinInvalid, "pin"},
		{"an API of another group of the owner's", model.Authorization{GroupID: g.ID, Environment: model.EnvPreview, Pin: "caller", APIs: []string{otherAPI.ID}}, errcode.ParentMismatch, "apis"},
		{"an API of another owner's group", model.Authorization{GroupID: g.ID, Environment: model.EnvPreview, Pin: "caller", APIs: []string{theirAPI.ID}}, errcode.RecordNotFound, "api " + theirAPI.ID},
		{"an API that does not exist", model.Authorization{GroupID: g.ID, Environment: model.EnvPreview, Pin: "caller", APIs: []string{"api-nosuchapi0"}}, errcode.RecordNotFound, "api api-nosuchapi0"},
		{"key and pin", model.Authorization{GroupID: g.ID, Environment: model.EnvPreview, Pin: "caller", AccessKey: k.AccessKey}, errcode.ParamValueInvalid, "pin"},
		{"neither", model.Authorization{GroupID: g.ID, Environment: model.EnvPreview}, errcode.ArgumentNotFound, "accessKey"},
		{"bad environment", model.Authorization{GroupID: g.ID, Environment: "prod", Pin: "caller"}, errcode.ParamValueInvalid, "environment"},
		{"unknown group", model.Authorization{GroupID: "g-missing", Environment: model.EnvTest, Pin: "caller"}, errcode.ResourceNotFound, "group g-missing"},
	}
	for _, tt := range tests {
		_, err := s.CreateAuthorization(ctx, tt.a)
		wantErr(t, "CreateAuthorization: "+tt.name, err, tt.cond, tt.subject)
	}

	got, err := s.Authorization(ctx, g.ID, byKey.ID)
	if err != nil || got.AccessKey != k.AccessKey || got.Pin != "" || !slices.Equal(got.APIs, []string{api.ID}) || got.Environment != model.EnvTest {
		t.Errorf("Authorization: got %+v, %v", got, err)
	}
	_, err = s.Authorization(ctx, other.ID, byKey.ID)
	wantErr(t, "Authorization through another group", err, errcode.ResourceNotFound, "authorization "+byKey.ID)
	list, total, err := s.ListAuthorizations(ctx, g.ID, store.Page{Number: 1, Size: 2})
	if err != nil || total != 3 || len(list) != 2 || list[0].ID != byKey.ID || list[1].ID != byPin.ID || list[1].APIs != nil {
		t.Errorf("ListAuthorizations: got %+v of %d, %v", list, total, err)
	}

	wantErr(t, "DeleteAuthorization through another group", s.DeleteAuthorization(ctx, other.ID, byPin.ID), errcode.ResourceNotFound, "authorization "+byPin.ID)
	if err := s.DeleteAuthorization(ctx, g.ID, byPin.ID); err != nil {
		t.Fatalf("DeleteAuthorization: %v", err)
	}
	wantErr(t, "DeleteAuthorization twice", s.DeleteAuthorization(ctx, g.ID, byPin.ID), errcode.ResourceNotFound, "authorization "+byPin.ID)
	// Deleted, the pin may be authorized again.
	if _, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvTest, Pin: "caller"}); err != nil {
		t.Errorf("CreateAuthorization after delete: %v", err)
	}
}

var authorizationID = regexp.MustCompile(`^au-[a-z2-7]{10}$`)

// testCallerCascades checks what goes with what: a key's authorizations
// with the key, a user's keys with the user, a group's authorizations
// with the group.
func testCallerCascades(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustUser(t, s, "a", "alice", "", "")
	g := mustGroup(t, s, "shop")
	k := mustKey(t, s, "a", "")
	uk := mustKey(t, s, "a", "alice")
	for _, ak := range []string{k.AccessKey, uk.AccessKey} {
		if _, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvTest, AccessKey: ak}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvTest, Pin: "a"}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		_, n, err := s.ListAuthorizations(ctx, g.ID, all)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := s.DeleteKey(ctx, k.AccessKey); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("after DeleteKey: %d authorizations, want 2", n)
	}
	if err := s.DeleteUser(ctx, "a", "alice"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Key(ctx, uk.AccessKey)
	wantErr(t, "a user's key after DeleteUser", err, errcode.ResourceNotFound, "")
	if n := count(); n != 1 {
		t.Errorf("after DeleteUser: %d authorizations, want 1", n)
	}
	if err := s.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	c, err := s.LoadCallers(ctx)
	if err != nil || len(c.Authorizations) != 0 {
		t.Errorf("after DeleteGroup: got authorizations %+v, %v", c.Authorizations, err)
	}
}

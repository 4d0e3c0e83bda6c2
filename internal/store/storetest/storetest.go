// Package storetest is the conformance suite of store.Store. Every
// implementation runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// It checks the behaviour the admin API and the data plane rely on: ids,
// pagination, every business rule with its exact condition, cascades,
// snapshots, LoadPublished, that concurrent writes all succeed, and that
// purchases and recharges run one at a time.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Run runs the suite. open returns a new, empty store for each subtest;
// Run closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Groups", testGroups},
		{"GroupRules", testGroupRules},
		{"GroupPages", testGroupPages},
		{"APIs", testAPIs},
		{"APIRules", testAPIRules},
		{"APIProtocols", testAPIProtocols},
		{"APIDeclaredRules", testAPIDeclaredRules},
		{"Backends", testBackends},
		{"Revisions", testRevisions},
		{"Deployments", testDeployments},
		{"OnlineRules", testOnlineRules},
		{"DeleteGroupCascades", testDeleteGroupCascades},
		{"LoadPublished", testLoadPublished},
		{"ConcurrentWrites", testConcurrentWrites},
		{"WriteCheck", testWriteCheck},
		{"ConcurrentWriteChecks", testConcurrentWriteChecks},
		{"GroupAuth", testGroupAuth},
		{"GroupAuthOnline", testGroupAuthOnline},
		{"OwnedGroups", testOwnedGroups},
		{"TenantGroupNames", testTenantGroupNames},
		{"Accounts", testAccounts},
		{"MFA", testMFA},
		{"Users", testUsers},
		{"Roles", testRoles},
		{"Keys", testKeys},
		{"KeyLimit", testKeyLimit},
		{"KeyRotation", testKeyRotation},
		{"Sessions", testSessions},
		{"Authorizations", testAuthorizations},
		{"Cascades", testCallerCascades},
		{"Blacklist", testBlacklist},
		{"LoadCallers", testLoadCallers},
		{"ConcurrentKeyLimit", testConcurrentKeyLimit},
		{"Policies", testPolicies},
		{"PolicyBindings", testPolicyBindings},
		{"PolicyBindingLimit", testPolicyBindingLimit},
		{"Plans", testPlans},
		{"PlanUpdates", testPlanUpdates},
		{"Subscriptions", testSubscriptions},
		{"SubscriptionsOfDeletedGroup", testSubscriptionsOfDeletedGroup},
		{"ConcurrentSubscriptions", testConcurrentSubscriptions},
		{"Recharges", testRecharges},
		{"ConcurrentRecharges", testConcurrentRecharges},
		{"ConcurrentRechargesAtMax", testConcurrentRechargesAtMax},
		{"Purchases", testPurchases},
		{"ConcurrentPurchases", testConcurrentPurchases},
		{"AuthorizationQuotas", testAuthorizationQuotas},
		{"GroupStatus", testGroupStatus},
		{"GroupErrors", testGroupErrors},
		{"ChangeLog", testChangeLog},
		{"LoadPart", testLoadPart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

// wantErr fails unless err is of cond; subject, when not empty, must be
// the error's Subject too.
func wantErr(t *testing.T, what string, err error, cond *errcode.Condition, subject string) {
	t.Helper()
	if !errcode.Has(err, cond) {
		t.Fatalf("%s: got error %v, want %s", what, err, cond.Name)
	}
	if got := errcode.From(err).Subject; subject != "" && got != subject {
		t.Fatalf("%s: got subject %q, want %q", what, got, subject)
	}
}

func mustGroup(t *testing.T, s store.Store, name string) model.Group {
	t.Helper()
	g := model.Group{Name: name}
	g.ApplyDefaults()
	g, err := s.CreateGroup(ctx, g)
	if err != nil {
		t.Fatalf("CreateGroup(%q): %v", name, err)
	}
	return g
}

func newAPI(groupID, name, method, path string, params ...model.Param) model.API {
	a := model.API{GroupID: groupID, Name: name, Method: method, Path: path, Params: params}
	a.ApplyDefaults()
	return a
}

func mustAPI(t *testing.T, s store.Store, groupID, name, method, path string, params ...model.Param) model.API {
	t.Helper()
	a, err := s.CreateAPI(ctx, newAPI(groupID, name, method, path, params...))
	if err != nil {
		t.Fatalf("CreateAPI(%s %s): %v", method, path, err)
	}
	return a
}

func mustRevision(t *testing.T, s store.Store, groupID, rev string) model.Revision {
	t.Helper()
	r, err := s.CreateRevision(ctx, groupID, rev, "")
	if err != nil {
		t.Fatalf("CreateRevision(%s): %v", rev, err)
	}
	return r
}

func mustDeploy(t *testing.T, s store.Store, groupID, rev string, env model.Environment) {
	t.Helper()
	if _, err := s.Deploy(ctx, groupID, rev, env); err != nil {
		t.Fatalf("Deploy(%s, %s): %v", rev, env, err)
	}
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func testGroups(t *testing.T, s store.Store) {
	g := model.Group{Name: "shop", Description: "the shop", Dialect: errcode.DialectMarket, Language: errcode.Chinese}
	created, err := s.CreateGroup(ctx, g)
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if !regexp.MustCompile(`^g-[a-z2-7]{10}$`).MatchString(created.ID) || !dnsLabel.MatchString(created.ID) {
		t.Errorf("CreateGroup: got id %q, want g- and ten base32 characters, a DNS label", created.ID)
	}
	if created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Errorf("CreateGroup: got createdAt %v updatedAt %v", created.CreatedAt, created.UpdatedAt)
	}
	got, err := s.Group(ctx, created.ID)
	if err != nil {
		t.Fatalf("Group: %v", err)
	}
	if got.Name != "shop" || got.Description != "the shop" || got.Dialect != errcode.DialectMarket || got.Language != errcode.Chinese || !got.CreatedAt.Equal(created.CreatedAt) {
		t.Errorf("Group: got %+v, want %+v", got, created)
	}

	updated, err := s.UpdateGroup(ctx, created.ID, func(g *model.Group) error {
		g.Name, g.Dialect = "store", errcode.DialectZenith
		g.ID, g.CreatedAt = "g-other", g.CreatedAt.Add(1) // must be ignored
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	if updated.ID != created.ID || !updated.CreatedAt.Equal(created.CreatedAt) || updated.Name != "store" || updated.Description != "the shop" {
		t.Errorf("UpdateGroup: got %+v", updated)
	}
	if got, _ := s.Group(ctx, created.ID); got.Name != "store" || got.Dialect != errcode.DialectZenith {
		t.Errorf("Group after update: got %+v", got)
	}

	if err := s.DeleteGroup(ctx, created.ID); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	_, err = s.Group(ctx, created.ID)
	wantErr(t, "Group after delete", err, errcode.ResourceNotFound, "group "+created.ID)
}

func testGroupRules(t *testing.T, s store.Store) {
	a := mustGroup(t, s, "alpha")
	b := mustGroup(t, s, "beta")

	_, err := s.CreateGroup(ctx, model.Group{Name: "alpha", Dialect: errcode.DialectJDCloud, Language: errcode.English})
	wantErr(t, "CreateGroup with a taken name", err, errcode.GroupNameRepeat, "")
	for _, name := range []string{"Alpha", "ALPHA", "ａｌｐｈａ"} {
		_, err := s.CreateGroup(ctx, model.Group{Name: name, Dialect: errcode.DialectJDCloud, Language: errcode.English})
		wantErr(t, "CreateGroup with a taken name spelt "+name, err, errcode.GroupNameRepeat, "")
	}
	_, err = s.UpdateGroup(ctx, b.ID, func(g *model.Group) error { g.Name = "alpha"; return nil })
	wantErr(t, "UpdateGroup to a taken name", err, errcode.GroupNameRepeat, "")
	if got, _ := s.Group(ctx, b.ID); got.Name != "beta" || !got.UpdatedAt.Equal(b.UpdatedAt) {
		t.Errorf("a refused update changed the group: got %+v", got)
	}
	if _, err := s.UpdateGroup(ctx, a.ID, func(g *model.Group) error { g.Description = "same name"; return nil }); err != nil {
		t.Errorf("UpdateGroup keeping its own name: %v", err)
	}

	_, err = s.CreateGroup(ctx, model.Group{Name: "bad name", Dialect: errcode.DialectJDCloud, Language: errcode.English})
	wantErr(t, "CreateGroup with an invalid name", err, errcode.ParamValueInvalid, "name")
	_, err = s.UpdateGroup(ctx, a.ID, func(g *model.Group) error { g.Dialect = "soap"; return nil })
	wantErr(t, "UpdateGroup to an invalid dialect", err, errcode.ParamValueInvalid, "dialect")
	refusal := errcode.New(errcode.Forbidden, "")
	_, err = s.UpdateGroup(ctx, a.ID, func(*model.Group) error { return refusal })
	wantErr(t, "UpdateGroup whose update refuses", err, errcode.Forbidden, "")

	for what, err := range map[string]error{
		"Group": func() error { _, err := s.Group(ctx, "g-missing"); return err }(),
		"Update": func() error {
			_, err := s.UpdateGroup(ctx, "g-missing", func(*model.Group) error { return nil })
			return err
		}(),
		"Delete": s.DeleteGroup(ctx, "g-missing"),
	} {
		wantErr(t, what+" of an unknown group", err, errcode.ResourceNotFound, "group g-missing")
	}
}

func testGroupPages(t *testing.T, s store.Store) {
	var ids []string
	for i := range 5 {
		ids = append(ids, mustGroup(t, s, fmt.Sprintf("g%d", i)).ID)
	}
	tests := []struct {
		page store.Page
		want []string
	}{
		{store.Page{Number: 1, Size: 2}, ids[0:2]},
		{store.Page{Number: 2, Size: 2}, ids[2:4]},
		{store.Page{Number: 3, Size: 2}, ids[4:5]},
		{store.Page{Number: 4, Size: 2}, nil},
		{store.Page{Number: 1, Size: 100}, ids},
	}
	for _, tt := range tests {
		groups, total, err := s.ListGroups(ctx, tt.page)
		if err != nil {
			t.Fatalf("ListGroups(%+v): %v", tt.page, err)
		}
		var got []string
		for _, g := range groups {
			got = append(got, g.ID)
		}
		if total != 5 || !slices.Equal(got, tt.want) {
			t.Errorf("ListGroups(%+v) = %q, %d; want %q, 5", tt.page, got, total, tt.want)
		}
		if groups == nil {
			t.Errorf("ListGroups(%+v): got a nil slice, want an empty one", tt.page)
		}
	}
}

func testAPIs(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	id := model.Param{Name: "id", In: model.InPath, Type: model.TypeInteger}
	a := mustAPI(t, s, g.ID, "getUser", "GET", "/users/{id}", id)
	if !regexp.MustCompile(`^api-[a-z2-7]{10}$`).MatchString(a.ID) {
		t.Errorf("CreateAPI: got id %q, want api- and ten base32 characters", a.ID)
	}
	got, err := s.API(ctx, g.ID, a.ID)
	if err != nil {
		t.Fatalf("API: %v", err)
	}
	if got.Name != "getUser" || got.Path != "/users/{id}" || got.BackendPath != "/users/{id}" || got.MatchType != model.MatchAbsolute ||
		len(got.Params) != 1 || !reflect.DeepEqual(got.Params[0], model.Param{Name: "id", In: model.InPath, Type: model.TypeInteger, Required: true}) {
		t.Errorf("API: got %+v", got)
	}

	var ids []string
	ids = append(ids, a.ID)
	for i := range 4 {
		ids = append(ids, mustAPI(t, s, g.ID, fmt.Sprintf("a%d", i), "GET", fmt.Sprintf("/a/%d", i)).ID)
	}
	apis, total, err := s.ListAPIs(ctx, g.ID, store.Page{Number: 2, Size: 3})
	if err != nil {
		t.Fatalf("ListAPIs: %v", err)
	}
	if total != 5 || len(apis) != 2 || apis[0].ID != ids[3] || apis[1].ID != ids[4] {
		t.Errorf("ListAPIs page 2 of 3: got %d APIs of %d, want %q of 5", len(apis), total, ids[3:])
	}

	updated, err := s.UpdateAPI(ctx, g.ID, a.ID, func(a *model.API) error {
		a.Description = "reads a user"
		a.BackendPath = "/v2/users/{id}"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateAPI: %v", err)
	}
	if updated.Description != "reads a user" || updated.BackendPath != "/v2/users/{id}" || updated.Path != "/users/{id}" || updated.ID != a.ID {
		t.Errorf("UpdateAPI: got %+v", updated)
	}
	if got, _ := s.API(ctx, g.ID, a.ID); got.BackendPath != "/v2/users/{id}" {
		t.Errorf("API after update: got backendPath %q", got.BackendPath)
	}

	if err := s.DeleteAPI(ctx, g.ID, a.ID); err != nil {
		t.Fatalf("DeleteAPI: %v", err)
	}
	_, err = s.API(ctx, g.ID, a.ID)
	wantErr(t, "API after delete", err, errcode.ResourceNotFound, "api "+a.ID)
}

func testAPIRules(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	other := mustGroup(t, s, "other")
	id := model.Param{Name: "id", In: model.InPath}
	uid := model.Param{Name: "uid", In: model.InPath}
	a := mustAPI(t, s, g.ID, "getUser", "GET", "/users/{id}", id)
	b := mustAPI(t, s, g.ID, "putUser", "PUT", "/users/{id}", id)

	_, err := s.CreateAPI(ctx, newAPI(g.ID, "getUser", "POST", "/x"))
	wantErr(t, "CreateAPI with a taken name", err, errcode.APINameRepeat, "")
	_, err = s.CreateAPI(ctx, newAPI(g.ID, "getUser2", "GET", "/users/{uid}", uid))
	wantErr(t, "CreateAPI with a taken method and path", err, errcode.APIPathRepeat, "")
	if _, err := s.CreateAPI(ctx, newAPI(other.ID, "getUser", "GET", "/users/{id}", id)); err != nil {
		t.Errorf("CreateAPI with the same name and path in another group: %v", err)
	}
	_, err = s.UpdateAPI(ctx, g.ID, b.ID, func(x *model.API) error { x.Name = "getUser"; return nil })
	wantErr(t, "UpdateAPI to a taken name", err, errcode.APINameRepeat, "")
	_, err = s.UpdateAPI(ctx, g.ID, b.ID, func(x *model.API) error { x.Method = "GET"; return nil })
	wantErr(t, "UpdateAPI to a taken method and path", err, errcode.APIPathRepeat, "")
	_, err = s.UpdateAPI(ctx, g.ID, b.ID, func(x *model.API) error { x.Path = "/users/{name}"; return nil })
	wantErr(t, "UpdateAPI to an undeclared path variable", err, errcode.PathParamsUndefined, "name")
	if got, _ := s.API(ctx, g.ID, b.ID); got.Name != "putUser" || got.Method != "PUT" || got.Path != "/users/{id}" || !got.UpdatedAt.Equal(b.UpdatedAt) {
		t.Errorf("a refused update changed the API: got %+v", got)
	}
	if _, err := s.UpdateAPI(ctx, g.ID, a.ID, func(x *model.API) error { x.Description = "keeps its own path"; return nil }); err != nil {
		t.Errorf("UpdateAPI keeping its own name and path: %v", err)
	}

	_, err = s.CreateAPI(ctx, newAPI("g-missing", "x", "GET", "/x"))
	wantErr(t, "CreateAPI in an unknown group", err, errcode.ResourceNotFound, "group g-missing")
	_, err = s.API(ctx, other.ID, a.ID)
	wantErr(t, "API of another group", err, errcode.ResourceNotFound, "api "+a.ID)
	_, _, err = s.ListAPIs(ctx, "g-missing", store.Page{Number: 1, Size: 10})
	wantErr(t, "ListAPIs of an unknown group", err, errcode.ResourceNotFound, "group g-missing")
	err = s.DeleteAPI(ctx, g.ID, "api-missing")
	wantErr(t, "DeleteAPI of an unknown API", err, errcode.ResourceNotFound, "api api-missing")
	_, err = s.UpdateAPI(ctx, g.ID, "api-missing", func(*model.API) error { return nil })
	wantErr(t, "UpdateAPI of an unknown API", err, errcode.ResourceNotFound, "api api-missing")
	_, err = s.CreateAPI(ctx, newAPI(g.ID, "x", "GET", "/x/{y}"))
	wantErr(t, "CreateAPI with an undeclared path variable", err, errcode.PathParamsUndefined, "y")

	apis, total, _ := s.ListAPIs(ctx, g.ID, store.Page{Number: 1, Size: 10})
	if total != 2 || len(apis) != 2 {
		t.Errorf("refused creations changed the group: got %d APIs", total)
	}
}

func testBackends(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	_, err := s.Backend(ctx, g.ID, model.EnvTest)
	wantErr(t, "Backend before any", err, errcode.ResourceNotFound, "backend test of group "+g.ID)

	h := model.Backend{GroupID: g.ID, Environment: model.EnvTest, Type: model.BackendHTTP,
		URLs: []string{"http://127.0.0.1:9", "http://127.0.0.1:10"}, Headers: map[string]string{"X-A": "1"}}
	h.ApplyDefaults()
	if _, err := s.PutBackend(ctx, h); err != nil {
		t.Fatalf("PutBackend: %v", err)
	}
	got, err := s.Backend(ctx, g.ID, model.EnvTest)
	if err != nil {
		t.Fatalf("Backend: %v", err)
	}
	if got.Type != model.BackendHTTP || !slices.Equal(got.URLs, h.URLs) || got.TimeoutMs != model.DefaultTimeoutMs || got.Headers["X-A"] != "1" {
		t.Errorf("Backend: got %+v, want %+v", got, h)
	}

	m := model.Backend{GroupID: g.ID, Environment: model.EnvTest, Type: model.BackendMock, Body: "hi"}
	m.ApplyDefaults()
	if _, err := s.PutBackend(ctx, m); err != nil {
		t.Fatalf("PutBackend replacing: %v", err)
	}
	got, _ = s.Backend(ctx, g.ID, model.EnvTest)
	if got.Type != model.BackendMock || got.URLs != nil || got.TimeoutMs != 0 || got.Status != 200 || got.Body != "hi" || got.Headers != nil {
		t.Errorf("Backend after replacing: got %+v", got)
	}
	_, err = s.Backend(ctx, g.ID, model.EnvOnline)
	wantErr(t, "Backend of another environment", err, errcode.ResourceNotFound, "backend online of group "+g.ID)

	bad := model.Backend{GroupID: g.ID, Environment: model.EnvTest, Type: model.BackendHTTP, TimeoutMs: 1}
	_, err = s.PutBackend(ctx, bad)
	wantErr(t, "PutBackend without urls", err, errcode.ArgumentNotFound, "urls")
	m.GroupID = "g-missing"
	_, err = s.PutBackend(ctx, m)
	wantErr(t, "PutBackend in an unknown group", err, errcode.ResourceNotFound, "group g-missing")

	if err := s.DeleteBackend(ctx, g.ID, model.EnvTest); err != nil {
		t.Fatalf("DeleteBackend: %v", err)
	}
	err = s.DeleteBackend(ctx, g.ID, model.EnvTest)
	wantErr(t, "DeleteBackend twice", err, errcode.ResourceNotFound, "backend test of group "+g.ID)
}

func testRevisions(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	_, err := s.CreateRevision(ctx, g.ID, "1.0.0", "")
	wantErr(t, "CreateRevision of a group with no API", err, errcode.NoneValidAPI, "")

	a := mustAPI(t, s, g.ID, "list", "GET", "/items")
	r, err := s.CreateRevision(ctx, g.ID, "1.0.0", "first")
	if err != nil {
		t.Fatalf("CreateRevision: %v", err)
	}
	if r.Revision != "1.0.0" || r.Description != "first" || len(r.APIs) != 1 || r.APIs[0].ID != a.ID {
		t.Errorf("CreateRevision: got %+v", r)
	}
	_, err = s.CreateRevision(ctx, g.ID, "1.0.0", "")
	wantErr(t, "CreateRevision with a taken number", err, errcode.RevisionRepeat, "")
	_, err = s.CreateRevision(ctx, g.ID, "1.0", "")
	wantErr(t, "CreateRevision with a bad number", err, errcode.ParamValueInvalid, "revision")
	_, err = s.CreateRevision(ctx, "g-missing", "1.0.0", "")
	wantErr(t, "CreateRevision of an unknown group", err, errcode.ResourceNotFound, "group g-missing")

	// A revision is a snapshot: later changes to the APIs leave it alone.
	if _, err := s.UpdateAPI(ctx, g.ID, a.ID, func(a *model.API) error { a.Path = "/things"; return nil }); err != nil {
		t.Fatalf("UpdateAPI: %v", err)
	}
	mustAPI(t, s, g.ID, "create", "POST", "/things")
	got, err := s.Revision(ctx, g.ID, "1.0.0")
	if err != nil {
		t.Fatalf("Revision: %v", err)
	}
	if len(got.APIs) != 1 || got.APIs[0].Path != "/items" {
		t.Errorf("Revision after changing the APIs: got %+v, want the snapshot of /items", got.APIs)
	}
	r2 := mustRevision(t, s, g.ID, "1.1.0")
	if len(r2.APIs) != 2 {
		t.Errorf("second revision: got %d APIs, want 2", len(r2.APIs))
	}
	_, err = s.Revision(ctx, g.ID, "9.9.9")
	wantErr(t, "Revision unknown", err, errcode.ResourceNotFound, "revision 9.9.9 of group "+g.ID)

	revs, total, err := s.ListRevisions(ctx, g.ID, store.Page{Number: 1, Size: 1})
	if err != nil {
		t.Fatalf("ListRevisions: %v", err)
	}
	if total != 2 || len(revs) != 1 || revs[0].Revision != "1.0.0" {
		t.Errorf("ListRevisions page 1 of 1: got %+v of %d", revs, total)
	}
}

func testDeployments(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	mustAPI(t, s, g.ID, "list", "GET", "/items")
	mustRevision(t, s, g.ID, "1.0.0")
	mustRevision(t, s, g.ID, "1.0.1")

	_, err := s.Deploy(ctx, g.ID, "2.0.0", model.EnvTest)
	wantErr(t, "Deploy of an unknown revision", err, errcode.ResourceNotFound, "revision 2.0.0 of group "+g.ID)
	_, err = s.Deploy(ctx, g.ID, "1.0.0", "prod")
	wantErr(t, "Deploy to an unknown environment", err, errcode.ParamValueInvalid, "environment")
	_, err = s.Deploy(ctx, "g-missing", "1.0.0", model.EnvTest)
	wantErr(t, "Deploy in an unknown group", err, errcode.ResourceNotFound, "group g-missing")

	mustDeploy(t, s, g.ID, "1.0.0", model.EnvOnline)
	mustDeploy(t, s, g.ID, "1.0.0", model.EnvTest)
	d, err := s.Deploy(ctx, g.ID, "1.0.1", model.EnvTest)
	if err != nil {
		t.Fatalf("Deploy replacing: %v", err)
	}
	if d.Revision != "1.0.1" || d.Environment != model.EnvTest || d.DeployedAt.IsZero() {
		t.Errorf("Deploy: got %+v", d)
	}
	deps, err := s.Deployments(ctx, g.ID)
	if err != nil {
		t.Fatalf("Deployments: %v", err)
	}
	if len(deps) != 2 || deps[0].Environment != model.EnvTest || deps[0].Revision != "1.0.1" || deps[1].Environment != model.EnvOnline || deps[1].Revision != "1.0.0" {
		t.Errorf("Deployments: got %+v, want test 1.0.1 and online 1.0.0", deps)
	}

	if err := s.Undeploy(ctx, g.ID, model.EnvTest); err != nil {
		t.Fatalf("Undeploy: %v", err)
	}
	err = s.Undeploy(ctx, g.ID, model.EnvTest)
	wantErr(t, "Undeploy of an environment not deployed", err, errcode.ResourceNotFound, "deployment test of group "+g.ID)
	if deps, _ := s.Deployments(ctx, g.ID); len(deps) != 1 {
		t.Errorf("Deployments after undeploy: got %+v", deps)
	}
}

func testOnlineRules(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	served := mustAPI(t, s, g.ID, "list", "GET", "/items")
	mustRevision(t, s, g.ID, "1.0.0")
	later := mustAPI(t, s, g.ID, "create", "POST", "/items")

	// A test deployment forbids nothing.
	mustDeploy(t, s, g.ID, "1.0.0", model.EnvTest)
	if _, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { g.Dialect = errcode.DialectTencent; return nil }); err != nil {
		t.Errorf("changing the dialect with only a test deployment: %v", err)
	}

	mustDeploy(t, s, g.ID, "1.0.0", model.EnvOnline)
	_, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { g.Dialect = errcode.DialectJDCloud; return nil })
	wantErr(t, "changing the dialect while online", err, errcode.ModifyError, "")
	if _, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { g.Language = errcode.Chinese; return nil }); err != nil {
		t.Errorf("changing the language while online: %v", err)
	}
	err = s.DeleteGroup(ctx, g.ID)
	wantErr(t, "DeleteGroup while online", err, errcode.DeleteAPIError, "")
	err = s.DeleteAPI(ctx, g.ID, served.ID)
	wantErr(t, "DeleteAPI of an API served online", err, errcode.DeleteAPIError, "")
	if err := s.DeleteAPI(ctx, g.ID, later.ID); err != nil {
		t.Errorf("DeleteAPI of an API not in the online revision: %v", err)
	}
	if got, err := s.Group(ctx, g.ID); err != nil || got.Dialect != errcode.DialectTencent {
		t.Errorf("refusals changed the group: got %+v, %v", got, err)
	}
	if _, err := s.API(ctx, g.ID, served.ID); err != nil {
		t.Errorf("a refused delete removed the API: %v", err)
	}

	if err := s.Undeploy(ctx, g.ID, model.EnvOnline); err != nil {
		t.Fatalf("Undeploy: %v", err)
	}
	if err := s.DeleteAPI(ctx, g.ID, served.ID); err != nil {
		t.Errorf("DeleteAPI once offline: %v", err)
	}
}

func testDeleteGroupCascades(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	keep := mustGroup(t, s, "keep")
	for _, id := range []string{g.ID, keep.ID} {
		mustAPI(t, s, id, "list", "GET", "/items")
		mustRevision(t, s, id, "1.0.0")
		mustDeploy(t, s, id, "1.0.0", model.EnvTest)
		b := model.Backend{GroupID: id, Environment: model.EnvTest, Type: model.BackendMock}
		b.ApplyDefaults()
		if _, err := s.PutBackend(ctx, b); err != nil {
			t.Fatalf("PutBackend: %v", err)
		}
	}
	if err := s.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatalf("DeleteGroup with a test deployment: %v", err)
	}
	// A new group of the same name starts empty.
	again := mustGroup(t, s, "shop")
	if apis, total, _ := s.ListAPIs(ctx, again.ID, store.Page{Number: 1, Size: 10}); total != 0 || len(apis) != 0 {
		t.Errorf("new group: got %d APIs", total)
	}
	pubs, err := s.LoadPublished(ctx)
	if err != nil {
		t.Fatalf("LoadPublished: %v", err)
	}
	if len(pubs) != 1 || pubs[0].Group.ID != keep.ID {
		t.Errorf("LoadPublished after DeleteGroup: got %d entries, want only %s", len(pubs), keep.ID)
	}
	if _, total, _ := s.ListRevisions(ctx, keep.ID, store.Page{Number: 1, Size: 10}); total != 1 {
		t.Errorf("DeleteGroup touched another group's revisions: got %d", total)
	}
}

func testLoadPublished(t *testing.T, s store.Store) {
	if pubs, err := s.LoadPublished(ctx); err != nil || len(pubs) != 0 {
		t.Fatalf("LoadPublished of an empty store: got %v, %v", pubs, err)
	}
	g1 := mustGroup(t, s, "one")
	g2 := mustGroup(t, s, "two")
	mustGroup(t, s, "undeployed")
	a := mustAPI(t, s, g1.ID, "get", "GET", "/u/{id}", model.Param{Name: "id", In: model.InPath})
	mustRevision(t, s, g1.ID, "1.0.0")
	mustAPI(t, s, g2.ID, "list", "GET", "/items")
	mustRevision(t, s, g2.ID, "0.0.1")
	mustDeploy(t, s, g1.ID, "1.0.0", model.EnvOnline)
	mustDeploy(t, s, g1.ID, "1.0.0", model.EnvTest)
	mustDeploy(t, s, g2.ID, "0.0.1", model.EnvPreview)
	b := model.Backend{GroupID: g1.ID, Environment: model.EnvOnline, Type: model.BackendHTTP, URLs: []string{"http://127.0.0.1:9"}}
	b.ApplyDefaults()
	if _, err := s.PutBackend(ctx, b); err != nil {
		t.Fatalf("PutBackend: %v", err)
	}

	pubs, err := s.LoadPublished(ctx)
	if err != nil {
		t.Fatalf("LoadPublished: %v", err)
	}
	type entry struct {
		group   string
		env     model.Environment
		rev     string
		backend bool
	}
	var got []entry
	for _, p := range pubs {
		got = append(got, entry{p.Group.ID, p.Environment, p.Revision.Revision, p.Backend != nil})
	}
	want := []entry{
		{g1.ID, model.EnvTest, "1.0.0", false},
		{g1.ID, model.EnvOnline, "1.0.0", true},
		{g2.ID, model.EnvPreview, "0.0.1", false},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("LoadPublished: got %+v, want %+v", got, want)
	}
	online := pubs[1]
	if online.Group.Name != "one" || online.Group.Dialect != errcode.DialectJDCloud || online.Revision.GroupID != g1.ID {
		t.Errorf("LoadPublished: got group %+v, revision of %q", online.Group, online.Revision.GroupID)
	}
	if len(online.Revision.APIs) != 1 || online.Revision.APIs[0].ID != a.ID || online.Revision.APIs[0].Params[0].Name != "id" {
		t.Errorf("LoadPublished: got APIs %+v", online.Revision.APIs)
	}
	if ob := online.Backend; ob.GroupID != g1.ID || ob.Environment != model.EnvOnline || !slices.Equal(ob.URLs, b.URLs) || ob.TimeoutMs != model.DefaultTimeoutMs {
		t.Errorf("LoadPublished: got backend %+v", ob)
	}
}

// testConcurrentWrites checks that a burst of concurrent writes all
// succeed: with SQLite, that no writer meets SQLITE_BUSY.
func testConcurrentWrites(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "busy")
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, err := s.CreateAPI(ctx, newAPI(g.ID, fmt.Sprintf("api%d", i), "GET", fmt.Sprintf("/p/%d", i)))
			errs <- err
			_, _, err = s.ListAPIs(ctx, g.ID, store.Page{Number: 1, Size: 10})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write or read: %v", err)
		}
	}
	if _, total, _ := s.ListAPIs(ctx, g.ID, store.Page{Number: 1, Size: 1}); total != n {
		t.Errorf("after %d concurrent creations: got %d APIs", n, total)
	}
}

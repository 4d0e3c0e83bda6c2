package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// testChangeLog checks that each write logs the units it changes, and
// that writes which change nothing served log none.
func testChangeLog(t *testing.T, s store.Store) {
	c, err := s.Changes(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Full {
		t.Fatalf("Changes(-1) = %+v, want Full: a reader with nothing loaded loads all", c)
	}
	version := c.Version
	g := mustGroup(t, s, "logged")
	other := mustGroup(t, s, "other")
	mustAccount(t, s, "logpin")
	mustAccount(t, s, "otherpin")
	owned := mustOwnedGroup(t, s, "owned", "otherpin")
	if c, err = s.Changes(ctx, version); err != nil {
		t.Fatal(err)
	}
	version = c.Version
	var ak, pol, plan string
	steps := []struct {
		what      string
		write     func() error
		groups    []string
		pins      []string
		blacklist bool
	}{
		{"nothing", func() error { return nil }, nil, nil, false},
		{"create an API", func() error {
			_, err := s.CreateAPI(ctx, newAPI(g.ID, "a", "GET", "/a"))
			return err
		}, nil, nil, false},
		{"create a revision", func() error { _, err := s.CreateRevision(ctx, g.ID, "1.0.0", ""); return err }, nil, nil, false},
		{"deploy", func() error { _, err := s.Deploy(ctx, g.ID, "1.0.0", model.EnvTest); return err }, []string{g.ID}, nil, false},
		{"update a group", func() error {
			_, err := s.UpdateGroup(ctx, g.ID, func(x *model.Group) error { x.Description = "d"; return nil })
			return err
		}, []string{g.ID}, nil, false},
		{"put a backend", func() error {
			b := model.Backend{GroupID: g.ID, Environment: model.EnvTest, Type: model.BackendMock, Status: 200}
			b.ApplyDefaults()
			_, err := s.PutBackend(ctx, b)
			return err
		}, []string{g.ID}, nil, false},
		{"create a key", func() error {
			k, err := s.CreateKey(ctx, model.Key{Pin: "logpin", Kind: model.KeySignature})
			ak = k.AccessKey
			return err
		}, nil, []string{"logpin"}, false},
		{"authorize the key", func() error {
			_, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvTest, AccessKey: ak})
			return err
		}, []string{g.ID}, nil, false},
		{"update an account", func() error {
			_, err := s.UpdateAccount(ctx, "logpin", func(a *model.Account) error { a.Name = "n"; return nil })
			return err
		}, nil, []string{"logpin"}, false},
		{"blacklist", func() error {
			_, err := s.CreateBlacklistEntry(ctx, model.BlacklistEntry{Kind: model.BlacklistPin, Value: "nobody"})
			return err
		}, nil, nil, true},
		{"create a policy", func() error {
			p, err := s.CreatePolicy(ctx, model.Policy{Name: "p", Unit: model.UnitSecond, APILimit: 10, UserLimit: 10, KeyLimit: 10})
			pol = p.ID
			return err
		}, nil, nil, false},
		{"bind it", func() error {
			_, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: pol, GroupID: g.ID, Environment: model.EnvTest})
			return err
		}, []string{g.ID}, nil, false},
		{"update the bound policy", func() error {
			_, err := s.UpdatePolicy(ctx, pol, func(p *model.Policy) error { p.APILimit = 20; return nil })
			return err
		}, []string{g.ID}, nil, false},
		{"create a plan", func() error {
			p, err := s.CreatePlan(ctx, model.Plan{GroupID: other.ID, Name: "metered", PricePerCall: 1})
			plan = p.ID
			return err
		}, []string{other.ID}, nil, false},
		{"subscribe", func() error {
			_, err := s.CreateSubscription(ctx, model.Subscription{Pin: "otherpin", PlanID: plan})
			return err
		}, []string{other.ID}, nil, false},
		{"recharge a subscriber", func() error {
			_, _, err := s.Recharge(ctx, model.Recharge{Pin: "otherpin", Amount: 10})
			return err
		}, []string{other.ID}, nil, false},
		{"claim a domain", func() error {
			_, err := s.CreateDomain(ctx, model.Domain{Domain: "api.logged.example", GroupID: g.ID, Environment: model.EnvTest})
			return err
		}, []string{g.ID}, nil, false},
		{"claim it from another owner's group", func() error {
			_, err := s.CreateDomain(ctx, model.Domain{Domain: "api.logged.example", GroupID: owned.ID, Environment: model.EnvTest})
			return err
		}, []string{owned.ID}, nil, false},
		{"verify the first claim, dropping the other", func() error {
			_, err := s.VerifyDomain(ctx, g.ID, "api.logged.example")
			return err
		}, slices.Sorted(slices.Values([]string{g.ID, owned.ID})), nil, false},
		{"record it", func() error {
			_, err := s.SetDomainRecord(ctx, g.ID, "api.logged.example", "ICP-1")
			return err
		}, []string{g.ID}, nil, false},
		{"unbind it", func() error { return s.DeleteDomain(ctx, g.ID, "api.logged.example") }, []string{g.ID}, nil, false},
		{"delete the authorized key", func() error { return s.DeleteKey(ctx, ak) }, []string{g.ID}, []string{"logpin"}, false},
	}
	for _, st := range steps {
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.what, err)
		}
		c, err := s.Changes(ctx, version)
		if err != nil {
			t.Fatalf("%s: Changes: %v", st.what, err)
		}
		slices.Sort(c.Groups)
		slices.Sort(c.Pins)
		if c.Full || !slices.Equal(c.Groups, st.groups) || !slices.Equal(c.Pins, st.pins) || c.Blacklist != st.blacklist {
			t.Errorf("%s: Changes = %+v, want groups %v, pins %v, blacklist %v", st.what, c, st.groups, st.pins, st.blacklist)
		}
		if c.Version < version || (c.Version == version) != (st.groups == nil && st.pins == nil && !st.blacklist) {
			t.Errorf("%s: version %d after %d: it must grow with each logged change, and only then", st.what, c.Version, version)
		}
		version = c.Version
	}
	if c, err := s.Changes(ctx, version+1); err != nil || !c.Full {
		t.Errorf("Changes(ahead of the log) = %+v, %v; want Full: the reader's state is not this store's", c, err)
	}
}

// testLoadPart checks that LoadPart returns what the full loads return of
// the groups and pins asked for, and nothing else.
func testLoadPart(t *testing.T, s store.Store) {
	groups := []model.Group{mustGroup(t, s, "one"), mustGroup(t, s, "two")}
	for i, g := range groups {
		mustAPI(t, s, g.ID, "a", "GET", "/a")
		mustRevision(t, s, g.ID, "1.0.0")
		for _, env := range []model.Environment{model.EnvTest, model.EnvOnline} {
			if _, err := s.Deploy(ctx, g.ID, "1.0.0", env); err != nil {
				t.Fatal(err)
			}
		}
		pin := []string{"pin1", "pin2"}[i]
		mustAccount(t, s, pin)
		k := mustKey(t, s, pin, "")
		mustUser(t, s, pin, pin+"u", pin+"@example.com", "")
		mustSession(t, s, pin, pin+"u", time.Hour)
		if _, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: model.EnvOnline, AccessKey: k.AccessKey}); err != nil {
			t.Fatal(err)
		}
		p, err := s.CreatePolicy(ctx, model.Policy{Name: pin, Unit: model.UnitSecond, APILimit: 10, UserLimit: 10, KeyLimit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.BindPolicy(ctx, model.PolicyBinding{PolicyID: p.ID, GroupID: g.ID, Environment: model.EnvOnline}); err != nil {
			t.Fatal(err)
		}
		plan, err := s.CreatePlan(ctx, model.Plan{GroupID: g.ID, Name: "plan", PricePerCall: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSubscription(ctx, model.Subscription{Pin: pin, PlanID: plan.ID}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Recharge(ctx, model.Recharge{Pin: pin, Amount: int64(100 * (i + 1))}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateDomain(ctx, model.Domain{Domain: fmt.Sprintf("api%d.example.com", i), GroupID: g.ID, Environment: model.EnvOnline}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateBlacklistEntry(ctx, model.BlacklistEntry{Kind: model.BlacklistPin, Value: "nobody"}); err != nil {
		t.Fatal(err)
	}

	pubs, err := s.LoadPublished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	callers, err := s.LoadCallers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	policies, err := s.LoadPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	domains, err := s.LoadDomains(ctx)
	if err != nil || len(domains) != 2 {
		t.Fatalf("LoadDomains: %d domains, %v", len(domains), err)
	}
	g := groups[1].ID
	part, err := s.LoadPart(ctx, store.Changes{Groups: []string{g, "g-gone"}, Pins: []string{"pin1", "nopin"}, Blacklist: true})
	if err != nil {
		t.Fatal(err)
	}
	ofGroup := func(id string) bool { return id == g }
	ofPin := func(pin string) bool { return pin == "pin1" }
	want := store.Part{
		Published: filter(pubs, func(p model.Published) bool { return ofGroup(p.Group.ID) }),
		Groups:    []model.Group{groups[1]},
		Callers: model.Callers{
			Accounts:       filter(callers.Accounts, func(a model.Account) bool { return ofPin(a.Pin) }),
			Users:          filter(callers.Users, func(u model.User) bool { return ofPin(u.Pin) }),
			Roles:          filter(callers.Roles, func(r model.Role) bool { return ofPin(r.Pin) }),
			Keys:           filter(callers.Keys, func(k model.Key) bool { return ofPin(k.Pin) }),
			Authorizations: filter(callers.Authorizations, func(a model.Authorization) bool { return ofGroup(a.GroupID) }),
			Blacklist:      callers.Blacklist,
			Market: model.Market{
				Plans:         filter(callers.Market.Plans, func(p model.Plan) bool { return ofGroup(p.GroupID) }),
				Subscriptions: filter(callers.Market.Subscriptions, func(s model.Subscription) bool { return ofGroup(s.GroupID) }),
				Credits:       map[string]model.Money{"pin2": callers.Market.Credits["pin2"]},
			},
		},
		Policies: model.Policies{
			Bindings: filter(policies.Bindings, func(b model.PolicyBinding) bool { return ofGroup(b.GroupID) }),
		},
		Domains: filter(domains, func(d model.Domain) bool { return ofGroup(d.GroupID) }),
	}
	want.Policies.Policies = filter(policies.Policies, func(p model.Policy) bool { return p.ID == want.Policies.Bindings[0].PolicyID })
	// The group as listed, to compare with the group as LoadPart reads it.
	if got, err := s.Group(ctx, g); err == nil {
		want.Groups = []model.Group{got}
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"Published", part.Published, want.Published},
		{"Groups", part.Groups, want.Groups},
		{"Accounts", part.Callers.Accounts, want.Callers.Accounts},
		{"Users", part.Callers.Users, want.Callers.Users},
		{"Roles", part.Callers.Roles, want.Callers.Roles},
		{"Keys", part.Callers.Keys, want.Callers.Keys},
		{"Authorizations", part.Callers.Authorizations, want.Callers.Authorizations},
		{"Blacklist", part.Callers.Blacklist, want.Callers.Blacklist},
		{"Plans", part.Callers.Market.Plans, want.Callers.Market.Plans},
		{"Subscriptions", part.Callers.Market.Subscriptions, want.Callers.Market.Subscriptions},
		{"Credits", part.Callers.Market.Credits, want.Callers.Market.Credits},
		{"Bindings", part.Policies.Bindings, want.Policies.Bindings},
		{"Policies", part.Policies.Policies, want.Policies.Policies},
		{"Domains", part.Domains, want.Domains},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("LoadPart %s:\n got %+v\nwant %+v", c.what, c.got, c.want)
		}
	}
	if len(part.Callers.Keys) != 2 {
		t.Errorf("LoadPart returned %d keys of pin1, want 2 (its key and its user's session)", len(part.Callers.Keys))
	}
}

func filter[T any](list []T, keep func(T) bool) []T {
	out := []T{}
	for _, x := range list {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// ChangeLogPrunes checks that the change log keeps its last 100,000
// entries, and that a reader behind the pruned ones is told to reload in
// full rather than given a partial list. logMany must log n changes of
// pins in one transaction, as many writes would, straight into the
// engine's change table; count returns how many entries it holds. The
// store must be new.
func ChangeLogPrunes(t *testing.T, s store.Store, logMany func(n int) error, count func() (int, error)) {
	t.Helper()
	mustAccount(t, s, "behind")
	c, err := s.Changes(ctx, 0)
	if err != nil || c.Full || len(c.Pins) != 1 {
		t.Fatalf("Changes(0) after one write = %+v, %v; want the account", c, err)
	}
	early := c.Version
	if err := logMany(101000); err != nil {
		t.Fatal(err)
	}
	n, err := count()
	if err != nil {
		t.Fatal(err)
	}
	if n > 101000 {
		t.Errorf("the log holds %d changes after 101,001, want the oldest pruned", n)
	}
	c, err = s.Changes(ctx, early)
	if err != nil || !c.Full {
		t.Errorf("Changes(%d), behind the pruned entries, = %+v, %v; want Full", early, c, err)
	}
	recent := c.Version - 10
	c, err = s.Changes(ctx, recent)
	if err != nil || c.Full || len(c.Pins) == 0 {
		t.Errorf("Changes(%d), within the log, = %+v, %v; want the pins changed since", recent, c, err)
	}
}

// LogManySQL logs changes of pins, as many as its %d (fmt.Sprintf), in
// SQL that both engines run: logMany of ChangeLogPrunes.
const LogManySQL = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
	INSERT INTO changes (kind, id) SELECT 'pin', 'p' || (i %% 7) FROM n`

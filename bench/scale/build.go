package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// config is what build made, for the measurements to name.
type config struct {
	apis, keys, authorizations int
	keyRate                    float64 // keys created per second through the store
	// hot is the group the writes go to: 30 APIs, revisions 1 and 2
	// (the same APIs), 1 deployed online; draft is an API created after
	// both revisions, in none of them, and deployed one that is in both.
	hot, draft, deployed string
	// pins are the accounts, each with room for 5 more keys; the
	// phases of a run create at most one key in each (see keyPin).
	pins []string
}

// build creates the configuration through the store's own API, each
// change in its own transaction, as the admin API would.
func build(ctx context.Context, dir string, o options) (*config, error) {
	sealer, err := secret.Load(dir, os.Getenv)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, dir, sealer)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	c := &config{}

	newGroup := func(name string, apis int) (model.Group, []model.API, error) {
		g := model.Group{Name: name, Dialect: errcode.DialectJDCloud, Language: errcode.English}
		g.ApplyDefaults()
		g, err := st.CreateGroup(ctx, g)
		if err != nil {
			return g, nil, err
		}
		var out []model.API
		for j := range apis {
			a := model.API{GroupID: g.ID, Name: fmt.Sprintf("api%02d", j), Method: "GET",
				Path: fmt.Sprintf("/%s/r%02d/{id}", name, j), MatchType: model.MatchAbsolute,
				Params: []model.Param{{Name: "id", In: model.InPath, Type: "string", Required: true},
					{Name: "limit", In: model.InQuery, Type: "integer"}}}
			a.BackendPath, a.BackendMethod = a.Path, a.Method
			a.ApplyDefaults()
			if a, err = st.CreateAPI(ctx, a); err != nil {
				return g, nil, err
			}
			out = append(out, a)
		}
		b := model.Backend{GroupID: g.ID, Environment: model.EnvOnline, Type: model.BackendMock, Status: 200,
			Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":true}`}
		b.ApplyDefaults()
		if _, err := st.PutBackend(ctx, b); err != nil {
			return g, nil, err
		}
		return g, out, nil
	}

	hot, hotAPIs, err := newGroup("hot", 30)
	if err != nil {
		return nil, err
	}
	for _, rev := range []string{"1.0.0", "2.0.0"} {
		if _, err := st.CreateRevision(ctx, hot.ID, rev, ""); err != nil {
			return nil, err
		}
	}
	if _, err := st.Deploy(ctx, hot.ID, "1.0.0", model.EnvOnline); err != nil {
		return nil, err
	}
	draft := model.API{GroupID: hot.ID, Name: "draft", Method: "GET", Path: "/draft", MatchType: model.MatchAbsolute}
	draft.ApplyDefaults()
	if draft, err = st.CreateAPI(ctx, draft); err != nil {
		return nil, err
	}
	c.hot, c.draft, c.deployed = hot.ID, draft.ID, hotAPIs[0].ID
	c.apis = 30

	groups := []string{hot.ID}
	for i := range o.groups {
		g, _, err := newGroup(fmt.Sprintf("g%05d", i), o.apis)
		if err != nil {
			return nil, err
		}
		if _, err := st.CreateRevision(ctx, g.ID, "1.0.0", ""); err != nil {
			return nil, err
		}
		if _, err := st.Deploy(ctx, g.ID, "1.0.0", model.EnvOnline); err != nil {
			return nil, err
		}
		groups = append(groups, g.ID)
		c.apis += o.apis
	}

	var keyTime time.Duration
	for i := range o.accounts {
		a := model.Account{Pin: fmt.Sprintf("pin%05d", i), Name: fmt.Sprintf("account %d", i)}
		a.ApplyDefaults()
		if _, err := st.CreateAccount(ctx, a); err != nil {
			return nil, err
		}
		t0 := time.Now()
		for range o.keys {
			k := model.Key{Pin: a.Pin}
			k.ApplyDefaults()
			if _, err := st.CreateKey(ctx, k); err != nil {
				return nil, err
			}
			c.keys++
		}
		keyTime += time.Since(t0)
		// Each account may call one group, by pin.
		if _, err := st.CreateAuthorization(ctx, model.Authorization{GroupID: groups[i%len(groups)],
			Environment: model.EnvOnline, Pin: a.Pin}); err != nil {
			return nil, err
		}
		c.authorizations++
		c.pins = append(c.pins, a.Pin)
	}
	if keyTime > 0 {
		c.keyRate = float64(c.keys) / keyTime.Seconds()
	}
	return c, nil
}

// reopen finds, in a configuration build made earlier, what build
// returned about it.
func reopen(ctx context.Context, dir string) (*config, error) {
	sealer, err := secret.Load(dir, os.Getenv)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, dir, sealer)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	c := &config{}
	groups, _, err := st.ListGroups(ctx, store.Page{Number: 1, Size: 1})
	if err != nil || len(groups) == 0 || groups[0].Name != "hot" {
		return nil, fmt.Errorf("no hot group first (%v)", err)
	}
	c.hot = groups[0].ID
	apis, _, err := st.ListAPIs(ctx, c.hot, store.Page{Number: 1, Size: 100})
	if err != nil {
		return nil, err
	}
	for _, a := range apis {
		switch a.Name {
		case "api00":
			c.deployed = a.ID
		case "draft":
			c.draft = a.ID
		}
	}
	accounts, n, err := st.ListAccounts(ctx, store.Page{Number: 1, Size: 1})
	if err != nil || len(accounts) == 0 {
		return nil, fmt.Errorf("no accounts (%v)", err)
	}
	for i := range n {
		c.pins = append(c.pins, fmt.Sprintf("pin%05d", i))
	}
	return c, nil
}

// keyPin returns the account of the i-th key a phase creates: phases
// start 1,000 accounts apart, so that a run creates at most one key per
// account and a kept directory (-dir) can be measured again 5 times.
func (c *config) keyPin(phase, i int) string {
	return c.pins[(phase*1000+i)%len(c.pins)]
}

package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// TestPatchedServesWhatFullServes makes random admin changes through the
// store and, after each, checks that the snapshot the Loader patched
// serves exactly what a snapshot compiled from scratch serves: every host
// to its environment, every API a request matches, every key with its
// secrets and state, every authorization, policy, plan, subscription,
// error code and blacklist entry, as the gateway looks them up.
func TestPatchedServesWhatFullServes(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, seed)
			h := new(snapshot.Holder)
			l := New(w.st, h, snapshot.Options{Base: "example.test"}, nil)
			if _, err := l.Load(ctx); err != nil {
				t.Fatal(err)
			}
			patches := 0
			for step := range 150 {
				if w.expiring > 0 && w.expiring < time.Second {
					time.Sleep(w.expiring)
				}
				w.expiring = 0
				op := w.change()
				st, err := l.Load(ctx)
				if err != nil {
					t.Fatalf("step %d (%s): Load: %v", step, op, err)
				}
				if st.Full {
					t.Fatalf("step %d (%s): Load was a full one (%s, %v), want a patch", step, op, st.FullReason, st.PatchFallback)
				}
				if st.Groups+st.Pins > 0 || st.Blacklist {
					patches++
				}
				// A from-scratch compile, reusing the patched snapshot's
				// upstream pools where their backends are the same, so
				// that a pool compiled for a stale backend shows.
				fh := new(snapshot.Holder)
				fh.Store(h.Load())
				if _, err := New(w.st, fh, snapshot.Options{Base: "example.test"}, nil).LoadFull(ctx); err != nil {
					t.Fatalf("step %d (%s): full load: %v", step, op, err)
				}
				now := time.Now()
				got, want := w.describe(h.Load(), now), w.describe(fh.Load(), now)
				if got != want {
					t.Fatalf("step %d (%s): the patched snapshot serves\n%s\nwant (from scratch)\n%s", step, op, diff(got, want), diff(want, got))
				}
			}
			t.Logf("%d of 150 changes patched something", patches)
			if patches < 50 {
				t.Errorf("only %d of 150 changes patched anything; the test changes too little that is served", patches)
			}
		})
	}
}

// TestPatchedDomainsServeWhatFullServes is TestPatchedServesWhatFullServes
// for custom domains alone, claimed, verified, recorded, given
// certificates and unbound by groups at random, under a filing
// requirement or none: who answers for each name, whether it serves,
// and the certificate a TLS client gets.
func TestPatchedDomainsServeWhatFullServes(t *testing.T) {
	for _, requireRecord := range []bool{false, true} {
		t.Run(fmt.Sprint("requireRecord=", requireRecord), func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, 21)
			o := snapshot.Options{Base: "example.test", RequireDomainRecord: requireRecord}
			h := new(snapshot.Holder)
			l := New(w.st, h, o, nil)
			if _, err := l.Load(ctx); err != nil {
				t.Fatal(err)
			}
			serving := 0
			for step := range 300 {
				// Two groups, so that claims meet and each group's
				// claims go far enough to serve; now and then the
				// older one is deleted, with its claims.
				gs := w.groups[len(w.groups)-2:]
				g, _ := pick(w.r, gs)
				op := w.changeDomain(g)
				if step%50 == 49 {
					w.ok(w.st.Undeploy(ctx, gs[0], model.EnvOnline))
					w.ok(w.st.DeleteGroup(ctx, gs[0]))
					w.newGroup()
					op += ", delete a group with its domains"
				}
				if st, err := l.Load(ctx); err != nil || st.Full {
					t.Fatalf("step %d (%s): Load = %+v, %v; want a patch", step, op, st, err)
				}
				fh := new(snapshot.Holder)
				if _, err := New(w.st, fh, o, nil).LoadFull(ctx); err != nil {
					t.Fatalf("step %d (%s): full load: %v", step, op, err)
				}
				now := time.Now()
				got, want := w.describe(h.Load(), now), w.describe(fh.Load(), now)
				if got != want {
					t.Fatalf("step %d (%s): the patched snapshot serves\n%s\nwant (from scratch)\n%s", step, op, diff(got, want), diff(want, got))
				}
				for _, d := range w.domains {
					if h.Load().Certificate(d) != nil {
						serving++
					}
				}
			}
			t.Logf("%d times a domain served a certificate", serving)
			if serving == 0 {
				t.Errorf("no domain ever served a certificate; the test changes too little")
			}
		})
	}
}

// TestUnservedWritesLoadNothing checks that a write that changes nothing
// the data plane serves (an API's draft, a revision not deployed) costs a
// load nothing but a look at the change log.
func TestUnservedWritesLoadNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 9)
	h := new(snapshot.Holder)
	l := New(w.st, h, snapshot.Options{Base: "example.test"}, nil)
	if _, err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	before := h.Load()
	g := w.groups[0]
	api := w.apis[g][0]
	if _, err := w.st.UpdateAPI(ctx, g, api, func(a *model.API) error { a.Description = "draft"; return nil }); err != nil {
		t.Fatal(err)
	}
	w.rev[g]++
	if _, err := w.st.CreateRevision(ctx, g, fmt.Sprintf("%d.0.0", w.rev[g]), ""); err != nil {
		t.Fatal(err)
	}
	st, err := l.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Full || st.Groups != 0 || st.Pins != 0 || h.Load() != before {
		t.Errorf("after an API update and a new revision, Load = %+v and swapped the snapshot: %v; want nothing loaded, the same snapshot",
			st, h.Load() != before)
	}
}

// world is a small store under random changes, and every name it has
// ever had, so that a name that is gone is looked up too.
type world struct {
	t      *testing.T
	ctx    context.Context
	st     *sqlite.Store
	r      *rand.Rand
	groups []string            // every group id ever
	apis   map[string][]string // group → API ids ever
	paths  map[string]string   // API id → its path
	rev    map[string]int      // group → last revision number
	pins   []string
	users  map[string][]string // pin → user names
	roles  map[string][]string // pin → role names
	keys   []string            // access keys ever
	authz  map[string][]string // group → authorization ids
	pols   []string
	plans  map[string][]string // group → plan ids
	bl     []string            // blacklist entry ids
	codes  []string
	// domains are the names groups may claim; certs their certificates.
	domains []string
	certs   map[string][2]string
	// expiring is a grace that ends soon; the step waits it out.
	expiring time.Duration
}

func newWorld(t *testing.T, seed uint64) *world {
	t.Helper()
	sealer, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), t.TempDir(), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{t: t, ctx: context.Background(), st: st, r: rand.New(rand.NewPCG(seed, 42)),
		apis: map[string][]string{}, paths: map[string]string{}, rev: map[string]int{},
		users: map[string][]string{}, roles: map[string][]string{}, authz: map[string][]string{},
		plans: map[string][]string{}, codes: []string{"BIZ_ONE", "BIZ_TWO", "4001"},
		domains: []string{"a.example.org", "b.example.org", "c.example.org"}, certs: map[string][2]string{}}
	ca := certtest.NewCA(t)
	for _, d := range w.domains {
		c, k := ca.Issue(certtest.Leaf{Names: []string{d}})
		w.certs[d] = [2]string{c, k}
	}
	for range 3 {
		w.newGroup()
	}
	for range 3 {
		w.newAccount()
	}
	for range 6 {
		w.newKey()
	}
	return w
}

// ok fails the test on anything but a refusal: a random change may well
// be refused (a name taken, an online deployment in the way).
func (w *world) ok(err error) bool {
	w.t.Helper()
	if err == nil {
		return true
	}
	var e *errcode.Error
	if !asErr(err, &e) || e.Cond == errcode.OperationFailed || e.Cond == errcode.Internal {
		w.t.Fatalf("store: %v", err)
	}
	return false
}

func asErr(err error, e **errcode.Error) bool {
	for err != nil {
		if x, ok := err.(*errcode.Error); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func pick[T any](r *rand.Rand, list []T) (T, bool) {
	var zero T
	if len(list) == 0 {
		return zero, false
	}
	return list[r.IntN(len(list))], true
}

func (w *world) env() model.Environment { return model.Environments[w.r.IntN(len(model.Environments))] }

func (w *world) newGroup() string {
	g := model.Group{Name: fmt.Sprintf("g%d", len(w.groups)), Dialect: errcode.DialectJDCloud, Language: errcode.English}
	if w.r.IntN(2) == 0 {
		g.AuthType = model.AuthSignature
	}
	g.ApplyDefaults()
	g, err := w.st.CreateGroup(w.ctx, g)
	if !w.ok(err) {
		return ""
	}
	w.groups = append(w.groups, g.ID)
	for range 1 + w.r.IntN(3) {
		w.newAPI(g.ID)
	}
	w.deploy(g.ID)
	return g.ID
}

func (w *world) newAPI(g string) {
	n := len(w.apis[g])
	a := model.API{GroupID: g, Name: fmt.Sprintf("a%d", n), Method: "GET", Path: fmt.Sprintf("/r%d/{id}", n),
		MatchType: model.MatchAbsolute, Params: []model.Param{{Name: "id", In: model.InPath, Type: "string", Required: true}}}
	a.BackendPath = fmt.Sprintf("/up%d/{id}", w.r.IntN(3))
	a.ApplyDefaults()
	a, err := w.st.CreateAPI(w.ctx, a)
	if w.ok(err) {
		w.apis[g] = append(w.apis[g], a.ID)
		w.paths[a.ID] = fmt.Sprintf("/r%d/x", n)
	}
}

// deploy makes a revision of g's APIs and deploys it to an environment.
func (w *world) deploy(g string) {
	w.rev[g]++
	rev := fmt.Sprintf("%d.0.0", w.rev[g])
	if _, err := w.st.CreateRevision(w.ctx, g, rev, ""); !w.ok(err) {
		return
	}
	_, err := w.st.Deploy(w.ctx, g, rev, w.env())
	w.ok(err)
}

func (w *world) newAccount() {
	pin := fmt.Sprintf("pin%d", len(w.pins))
	a := model.Account{Pin: pin, Name: pin}
	a.ApplyDefaults()
	if _, err := w.st.CreateAccount(w.ctx, a); w.ok(err) {
		w.pins = append(w.pins, pin)
	}
}

func (w *world) newKey() {
	pin, ok := pick(w.r, w.pins)
	if !ok {
		return
	}
	k := model.Key{Pin: pin}
	if w.r.IntN(4) == 0 {
		k.Kind = model.KeyAppKey
	}
	if u, ok := pick(w.r, w.users[pin]); ok && w.r.IntN(2) == 0 {
		k.User = u
		if w.r.IntN(3) == 0 {
			// A session key, alive or already expired.
			k.Kind, k.Expires = model.KeySession, time.Now().Add(time.Duration(w.r.IntN(2)*2-1)*time.Hour)
		}
	}
	k.ApplyDefaults()
	if k, err := w.st.CreateKey(w.ctx, k); w.ok(err) {
		w.keys = append(w.keys, k.AccessKey)
	}
}

// change makes one random change and names it.
func (w *world) change() string {
	ctx, r := w.ctx, w.r
	g, _ := pick(r, w.groups)
	pin, _ := pick(r, w.pins)
	switch op := r.IntN(24); op {
	case 0:
		w.newGroup()
		return "create a group"
	case 1:
		_, err := w.st.UpdateGroup(ctx, g, func(x *model.Group) error {
			switch r.IntN(3) {
			case 0:
				x.Status = []string{model.GroupActive, model.GroupSuspended}[r.IntN(2)]
			case 1:
				x.AllowedPins = nil
				if p, ok := pick(r, w.pins); ok && r.IntN(2) == 0 {
					x.AllowedPins = []string{p}
				}
			default:
				x.Description = fmt.Sprint("d", r.IntN(100))
			}
			return nil
		})
		w.ok(err)
		return "update a group"
	case 2:
		w.ok(w.st.Undeploy(ctx, g, model.EnvOnline))
		w.ok(w.st.DeleteGroup(ctx, g))
		return "delete a group"
	case 3:
		w.newAPI(g)
		return "create an API (a draft)"
	case 4, 5:
		w.deploy(g)
		return "deploy"
	case 6:
		w.ok(w.st.Undeploy(ctx, g, w.env()))
		return "undeploy"
	case 7:
		b := model.Backend{GroupID: g, Environment: w.env(), Type: model.BackendMock, Status: 200 + r.IntN(3),
			Body: fmt.Sprint("body", r.IntN(3))}
		if r.IntN(2) == 0 {
			b = model.Backend{GroupID: g, Environment: b.Environment, Type: model.BackendHTTP,
				URLs: []string{fmt.Sprintf("http://127.0.0.1:%d", 9000+r.IntN(2))}, TimeoutMs: 1000 * (1 + r.IntN(2))}
		}
		b.ApplyDefaults()
		_, err := w.st.PutBackend(ctx, b)
		w.ok(err)
		return "put a backend"
	case 8:
		w.ok(w.st.DeleteBackend(ctx, g, w.env()))
		return "delete a backend"
	case 9:
		w.newAccount()
		return "create an account"
	case 10:
		_, err := w.st.UpdateAccount(ctx, pin, func(a *model.Account) error {
			a.Status = []model.AccountStatus{model.AccountActive, model.AccountDisabled}[r.IntN(2)]
			return nil
		})
		w.ok(err)
		return "update an account"
	case 11:
		name := fmt.Sprintf("u%d", r.IntN(4))
		u := model.User{Pin: pin, Name: pin + name}
		if role, ok := pick(r, w.roles[pin]); ok {
			u.Role = role
		}
		u.ApplyDefaults()
		if _, err := w.st.CreateUser(ctx, u); w.ok(err) {
			w.users[pin] = append(w.users[pin], u.Name)
		} else if u2, ok := pick(r, w.users[pin]); ok {
			_, err := w.st.UpdateUser(ctx, pin, u2, func(u *model.User) error {
				u.Status = []model.UserStatus{model.UserActive, model.UserDisabled}[r.IntN(2)]
				return nil
			})
			w.ok(err)
		}
		return "create or update a user"
	case 12:
		if u, ok := pick(r, w.users[pin]); ok {
			w.ok(w.st.DeleteUser(ctx, pin, u))
		}
		return "delete a user"
	case 13:
		role := model.Role{Pin: pin, Name: fmt.Sprintf("role%d", r.IntN(3)), Groups: []string{"*"}, APIs: []string{"*"}}
		if r.IntN(2) == 0 {
			role.Groups = []string{g}
		}
		role.ApplyDefaults()
		if _, err := w.st.CreateRole(ctx, role); w.ok(err) {
			w.roles[pin] = append(w.roles[pin], role.Name)
		} else {
			_, err := w.st.UpdateRole(ctx, pin, role.Name, func(x *model.Role) error { x.Groups = role.Groups; return nil })
			w.ok(err)
		}
		return "create or update a role"
	case 14:
		w.newKey()
		return "create a key"
	case 15:
		if ak, ok := pick(r, w.keys); ok {
			_, err := w.st.UpdateKey(ctx, ak, func(k *model.Key) error { k.Enabled = !k.Enabled; return nil })
			w.ok(err)
		}
		return "enable or disable a key"
	case 16:
		if ak, ok := pick(r, w.keys); ok {
			// A grace of a few milliseconds ends after this step's
			// look and before the next: the rotated key's account must
			// then be loaded again, with nothing written to say so.
			grace := []time.Duration{0, 5 * time.Millisecond, time.Hour}[r.IntN(3)]
			_, err := w.st.RotateKey(ctx, ak, grace)
			w.ok(err)
			w.expiring = max(w.expiring, grace)
		}
		return "rotate a key"
	case 17:
		if ak, ok := pick(r, w.keys); ok {
			w.ok(w.st.DeleteKey(ctx, ak))
		}
		return "delete a key"
	case 18:
		a := model.Authorization{GroupID: g, Environment: w.env()}
		if ak, ok := pick(r, w.keys); ok && r.IntN(2) == 0 {
			a.AccessKey = ak
		} else {
			a.Pin = pin
		}
		if api, ok := pick(r, w.apis[g]); ok && r.IntN(2) == 0 {
			a.APIs = []string{api}
		}
		if r.IntN(3) == 0 {
			a.DailyLimit = int64(1 + r.IntN(100))
		}
		if a, err := w.st.CreateAuthorization(ctx, a); w.ok(err) {
			w.authz[g] = append(w.authz[g], a.ID)
		} else if id, ok := pick(r, w.authz[g]); ok {
			w.ok(w.st.DeleteAuthorization(ctx, g, id))
		}
		return "authorize or revoke"
	case 19:
		ip := fmt.Sprintf("10.0.0.%d", r.IntN(3))
		e := model.BlacklistEntry{Kind: model.BlacklistIP, Value: ip}
		if r.IntN(2) == 0 {
			e = model.BlacklistEntry{Kind: model.BlacklistPin, Value: pin}
		}
		if e, err := w.st.CreateBlacklistEntry(ctx, e); w.ok(err) {
			w.bl = append(w.bl, e.ID)
		} else if id, ok := pick(r, w.bl); ok {
			w.ok(w.st.DeleteBlacklistEntry(ctx, id))
		}
		return "blacklist or unblacklist"
	case 20:
		if id, ok := pick(r, w.pols); ok && r.IntN(2) == 0 {
			if r.IntN(2) == 0 {
				_, err := w.st.UpdatePolicy(ctx, id, func(p *model.Policy) error { p.APILimit = int64(1 + r.IntN(1000)); return nil })
				w.ok(err)
			} else if r.IntN(2) == 0 {
				_, err := w.st.BindPolicy(ctx, model.PolicyBinding{PolicyID: id, GroupID: g, Environment: w.env()})
				w.ok(err)
			} else {
				w.ok(w.st.UnbindPolicy(ctx, id, g, w.env()))
			}
			return "update, bind or unbind a policy"
		}
		p := model.Policy{Name: fmt.Sprint("pol", len(w.pols)), Unit: model.UnitSecond, APILimit: 100, UserLimit: 10, KeyLimit: 5}
		if p, err := w.st.CreatePolicy(ctx, p); w.ok(err) {
			w.pols = append(w.pols, p.ID)
		}
		return "create a policy"
	case 21:
		if id, ok := pick(r, w.plans[g]); ok && r.IntN(2) == 0 {
			_, err := w.st.CreateSubscription(ctx, model.Subscription{Pin: pin, PlanID: id})
			w.ok(err)
			return "subscribe"
		}
		p := model.Plan{GroupID: g, Name: fmt.Sprint("plan", r.IntN(3)), PricePerCall: int64(r.IntN(3)), DailyLimit: 100}
		if p, err := w.st.CreatePlan(ctx, p); w.ok(err) {
			w.plans[g] = append(w.plans[g], p.ID)
		}
		return "create a plan"
	case 22:
		_, _, err := w.st.Recharge(ctx, model.Recharge{Pin: pin, Amount: int64(1 + r.IntN(1000))})
		w.ok(err)
		return "recharge"
	default:
		code, _ := pick(r, w.codes)
		e := model.GroupError{GroupID: g, Code: code, HTTP: 400 + r.IntN(100),
			Message: errcode.Text{EN: "m", ZH: "m"}}
		if _, err := w.st.CreateGroupError(ctx, e); !w.ok(err) {
			w.ok(w.st.DeleteGroupError(ctx, g, code))
		}
		return "add or remove an error code"
	}
}

// changeDomain makes one random change to the custom domains of g.
func (w *world) changeDomain(g string) string {
	ctx, r := w.ctx, w.r
	d, _ := pick(r, w.domains)
	switch r.IntN(5) {
	case 0:
		_, err := w.st.CreateDomain(ctx, model.Domain{Domain: d, GroupID: g, Environment: w.env()})
		w.ok(err)
		return "claim a domain"
	case 1:
		_, err := w.st.VerifyDomain(ctx, g, d)
		w.ok(err)
		return "verify a domain"
	case 2:
		_, err := w.st.SetDomainRecord(ctx, g, d, []string{"", "ICP-1"}[r.IntN(2)])
		w.ok(err)
		return "record a domain"
	case 3:
		c := w.certs[d]
		if r.IntN(3) == 0 {
			c = [2]string{}
		}
		_, err := w.st.SetDomainCertificate(ctx, g, d, c[0], c[1])
		w.ok(err)
		return "set a domain's certificate"
	default:
		w.ok(w.st.DeleteDomain(ctx, g, d))
		return "unbind a domain"
	}
}

// describe writes what s serves, looked up as the gateway looks it up,
// for every name the world has ever had.
func (w *world) describe(s *snapshot.Snapshot, now time.Time) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	suffix := map[model.Environment]string{model.EnvOnline: "", model.EnvTest: "-test", model.EnvPreview: "-preview"}
	for _, g := range w.groups {
		for _, env := range model.Environments {
			e, ok := s.Resolve(g + suffix[env] + ".example.test")
			if !ok {
				p("%s %s: unknown", g, env)
				continue
			}
			p("%s %s: group %+v env %s revision %q suspended %v labels %+v", g, env, e.Group, e.Environment, e.Revision, e.Suspended, e.Labels)
			a := &e.Auth
			var schemes []string
			for _, sc := range a.Schemes {
				schemes = append(schemes, sc.Name())
			}
			p("  auth %s %v window %s region %q service %q none %v appkey %v", a.Type, schemes, a.Window, a.Region, a.Service, a.None(), a.AppKey())
			for _, pin := range w.pins {
				p("  pin %s allowed %v", pin, a.PinAllowed(pin))
				for _, ak := range append([]string{""}, w.keys...) {
					for _, api := range append([]string{""}, w.apis[g]...) {
						q, granted, allowed := a.Authorized(ak, pin, api)
						if granted || allowed || q != nil {
							p("  authorized %q %s %q: %v %v %s", ak, pin, api, granted, allowed, quotas(q))
						}
					}
				}
			}
			switch {
			case e.Backend == nil:
				p("  no backend")
			case e.Backend.Mock != nil:
				rec := httptest.NewRecorder()
				e.Backend.Mock.Serve(rec, httptest.NewRequest("GET", "/", nil))
				p("  mock %d %v %q", rec.Code, rec.Header(), rec.Body.String())
			default:
				p("  pool %p", e.Backend.Pool)
			}
			if e.Traffic != nil {
				p("  traffic %+v", *e.Traffic)
			}
			if e.Market != nil {
				for _, id := range slices.Sorted(mapsKeys(e.Market.Plans)) {
					p("  plan %+v", *e.Market.Plans[id])
				}
				for _, pin := range w.pins {
					if sub, ok := e.Market.Subscription(pin); ok {
						p("  subscription %+v", *sub)
					}
				}
			}
			for _, api := range w.apis[g] {
				m, ok := e.Match("GET", w.paths[api], nil)
				if !ok {
					continue
				}
				x := m.Value
				p("  GET %s: %s %s upstream %s %s limits %+v labels %+v rules %v validator %v", w.paths[api], x.ID, x.Name,
					x.UpstreamMethod("GET"), x.UpstreamPath(nil, m, w.paths[api]), x.Limits, x.Labels, x.Rules != nil, x.Validator != nil)
			}
			for _, code := range w.codes {
				if entry, ok := e.Raisable(code); ok {
					p("  raises %s: %+v", code, *entry)
				}
			}
		}
	}
	for _, ak := range w.keys {
		c, ok := s.Caller(ak)
		if !ok {
			p("key %s: unknown", ak)
			continue
		}
		role := "none"
		if c.Role != nil {
			role = fmt.Sprintf("%+v", *c.Role)
		}
		p("key %s: pin %s user %q kind %s enabled %v previous %v expires %v expired %v account %s user %v %s role %q %s headers %v %v %v",
			ak, c.Pin, c.User, c.Kind, c.Enabled, c.PreviousExpires, c.Expires, c.Expired(now), c.Account, c.UserFound, c.UserStatus,
			c.RoleName, role, c.PinHeader, c.UserHeader, c.KeyHeader)
		p("  secrets %q", c.Secrets(now))
		for _, app := range []bool{false, true} {
			keys := s.Keys(app, now)
			k, ok := keys.Key(ak)
			p("  as app key %v: %v %q", app, ok, k.Secrets)
		}
		for _, g := range w.groups {
			for _, api := range w.apis[g] {
				if c.AllowsRole(g, api) {
					p("  role allows %s %s", g, api)
				}
			}
		}
	}
	for _, pin := range w.pins {
		p("pin %s blacklisted %v", pin, s.PinBlacklisted(pin))
	}
	p("ip blacklist %v", s.HasIPBlacklist())
	for i := range 4 {
		a := netip.MustParseAddr(fmt.Sprintf("10.0.0.%d", i))
		p("ip %s blacklisted %v", a, s.IPBlacklisted(a))
	}
	for _, d := range w.domains {
		for _, host := range []string{d, strings.ToUpper(d) + ".:443"} {
			e, dom, ok := s.Lookup(host)
			if !ok {
				p("domain %s: unknown", host)
				continue
			}
			p("domain %s: %s %s serving %v env %s %s %q certificate %v", host, dom.Group, dom.Environment, dom.Serving,
				e.Group.ID, e.Environment, e.Revision, s.Certificate(host) != nil)
		}
	}
	var claims []string
	s.Domains(func(d *snapshot.Domain) {
		claims = append(claims, fmt.Sprintf("claim %s %s %s serving %v expires %v", d.Name, d.Group, d.Environment, d.Serving, d.NotAfter))
	})
	slices.Sort(claims)
	for _, c := range claims {
		p("%s", c)
	}
	p("environments %d", s.Len())
	return b.String()
}

func quotas(q *snapshot.Quotas) string {
	if q == nil {
		return "no quotas"
	}
	return fmt.Sprintf("%+v", *q)
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// diff returns the lines of a that b lacks, for a readable failure.
func diff(a, b string) string {
	have := map[string]bool{}
	for _, l := range strings.Split(b, "\n") {
		have[l] = true
	}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !have[l] {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var _ store.Store = (*sqlite.Store)(nil)

// TestExpiriesLoadTheirAccount checks that a key's previous secret whose
// grace ended, and a session key whose life did, leave the patched
// snapshot as they leave a full load, though nothing was written.
func TestExpiriesLoadTheirAccount(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 11)
	h := new(snapshot.Holder)
	l := New(w.st, h, snapshot.Options{Base: "example.test"}, nil)
	if _, err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	// Long enough for the set-up to finish before it ends, on a loaded
	// machine under the race detector (20 ms was not).
	const life = time.Second
	pin := w.pins[0]
	u := model.User{Pin: pin, Name: "sessions"}
	u.ApplyDefaults()
	if _, err := w.st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	session, err := w.st.CreateKey(ctx, model.Key{Pin: pin, User: u.Name, Kind: model.KeySession, Expires: time.Now().Add(life)})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := w.st.CreateKey(ctx, model.Key{Pin: w.pins[1], Kind: model.KeySignature})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.RotateKey(ctx, rotated.AccessKey, life); err != nil {
		t.Fatal(err)
	}
	w.keys = append(w.keys, session.AccessKey, rotated.AccessKey)
	if _, err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Load().Caller(session.AccessKey); !ok {
		t.Fatalf("the session key is not served before its expiry")
	}
	time.Sleep(2 * life)
	st, err := l.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Full || st.Pins != 2 {
		t.Errorf("Load after the expiries = %+v, want a patch of the 2 accounts", st)
	}
	fh := new(snapshot.Holder)
	if _, err := New(w.st, fh, snapshot.Options{Base: "example.test"}, nil).LoadFull(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if got, want := w.describe(h.Load(), now), w.describe(fh.Load(), now); got != want {
		t.Errorf("after the expiries the patched snapshot serves\n%s\nwant\n%s", diff(got, want), diff(want, got))
	}
	if _, ok := h.Load().Caller(session.AccessKey); ok {
		t.Errorf("the expired session key is still served")
	}
}

// TestRechargeReachesSubscriptions checks that a recharge, a change of an
// account, reaches the balance of its pay-per-call subscriptions, which
// the markets of the groups it subscribes to hold.
func TestRechargeReachesSubscriptions(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 12)
	g, pin := w.groups[0], w.pins[0]
	if _, err := w.st.Deploy(ctx, g, fmt.Sprintf("%d.0.0", w.rev[g]), model.EnvOnline); err != nil {
		t.Fatal(err)
	}
	plan, err := w.st.CreatePlan(ctx, model.Plan{GroupID: g, Name: "metered", PricePerCall: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CreateSubscription(ctx, model.Subscription{Pin: pin, PlanID: plan.ID}); err != nil {
		t.Fatal(err)
	}
	h := new(snapshot.Holder)
	l := New(w.st, h, snapshot.Options{Base: "example.test"}, nil)
	if _, err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.st.Recharge(ctx, model.Recharge{Pin: pin, Amount: 500}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	e, ok := h.Load().Env(g, model.EnvOnline)
	if !ok {
		t.Fatalf("group %s online is not served", g)
	}
	sub, ok := e.Market.Subscription(pin)
	if !ok || sub.Balance.Limit != 500 {
		t.Errorf("after a recharge of 500 the subscription's balance is %+v (found %v), want a limit of 500", sub, ok)
	}
}

// failingPart is a store whose partial reads fail, as one does for a group
// with more subscribers than a query takes parameters for.
type failingPart struct {
	store.Store
}

func (failingPart) LoadPart(context.Context, store.Changes) (store.Part, error) {
	return store.Part{}, errors.New("too many SQL variables")
}

// TestFailedPartialReadLoadsInFull: when the store cannot read the changed
// part, the reload falls back to a full load and serves the change, rather
// than failing (and failing again on every retry).
func TestFailedPartialReadLoadsInFull(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 13)
	g := w.groups[0]
	h := new(snapshot.Holder)
	l := New(failingPart{w.st}, h, snapshot.Options{Base: "example.test"}, nil)
	if _, err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.Deploy(ctx, g, fmt.Sprintf("%d.0.0", w.rev[g]), model.EnvOnline); err != nil {
		t.Fatal(err)
	}
	st, err := l.Load(ctx)
	if err != nil {
		t.Fatalf("Load after a failed partial read = %v, want a full load", err)
	}
	if st.PatchFallback == nil {
		t.Errorf("Stats.PatchFallback = nil, want the partial read's error")
	}
	if _, ok := h.Load().Env(g, model.EnvOnline); !ok {
		t.Errorf("group %s online is not served after the fallback", g)
	}
}

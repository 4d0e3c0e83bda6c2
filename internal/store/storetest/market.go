package storetest

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

var (
	planID         = regexp.MustCompile(`^plan-[a-z2-7]{10}$`)
	subscriptionID = regexp.MustCompile(`^sub-[a-z2-7]{10}$`)
	rechargeID     = regexp.MustCompile(`^rc-[a-z2-7]{10}$`)
)

func mustPlan(t *testing.T, s store.Store, p model.Plan) model.Plan {
	t.Helper()
	p, err := s.CreatePlan(ctx, p)
	if err != nil {
		t.Fatalf("CreatePlan(%q): %v", p.Name, err)
	}
	return p
}

func mustSubscribe(t *testing.T, s store.Store, pin string, p model.Plan) model.Subscription {
	t.Helper()
	sub, err := s.CreateSubscription(ctx, p.Terms(pin))
	if err != nil {
		t.Fatalf("CreateSubscription(%s, %s): %v", pin, p.Name, err)
	}
	return sub
}

// ids returns the ids of xs, by id.
func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func subIDs(subs []model.Subscription) []string {
	return ids(subs, func(s model.Subscription) string { return s.ID })
}

func testPlans(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	other := mustGroup(t, s, "other")
	want := model.Plan{GroupID: g.ID, Name: "gold", PricePerCall: 5, DailyLimit: 100, TotalCalls: 1000, QPS: 10}
	created, err := s.CreatePlan(ctx, want)
	if err != nil {
		t.Fatalf("CreatePlan: %v", err)
	}
	if !planID.MatchString(created.ID) || created.CreatedAt.IsZero() {
		t.Errorf("CreatePlan: got id %q, createdAt %v; want plan- and ten base32 characters, a time", created.ID, created.CreatedAt)
	}
	want.ID, want.CreatedAt = created.ID, created.CreatedAt
	if created != want {
		t.Errorf("CreatePlan: got %+v, want %+v", created, want)
	}
	if got, err := s.Plan(ctx, created.ID); err != nil || got != want {
		t.Errorf("Plan: got %+v, %v; want %+v", got, err, want)
	}
	free := mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "free", Withdrawn: true})
	if !free.Withdrawn {
		t.Errorf("CreatePlan withdrawn: got %+v", free)
	}
	// A name is unique in its group only.
	elsewhere := mustPlan(t, s, model.Plan{GroupID: other.ID, Name: "gold"})

	tests := []struct {
		name    string
		p       model.Plan
		cond    *errcode.Condition
		subject string
	}{
		{"a name the group's plans have", model.Plan{GroupID: g.ID, Name: "gold"}, errcode.RecordConflict, "name"},
		{"an unknown group", model.Plan{GroupID: "g-missing", Name: "x"}, errcode.ResourceNotFound, "group g-missing"},
		{"no group", model.Plan{Name: "x"}, errcode.ArgumentNotFound, "groupId"},
		{"no name", model.Plan{GroupID: g.ID}, errcode.ArgumentNotFound, "name"},
		{"an invalid name", model.Plan{GroupID: g.ID, Name: "bad name"}, errcode.ParamValueInvalid, "name"},
		{"a negative price", model.Plan{GroupID: g.ID, Name: "x", PricePerCall: -1}, errcode.ParamValueInvalid, "pricePerCall"},
		{"a price above MaxMoney", model.Plan{GroupID: g.ID, Name: "x", PricePerCall: model.MaxMoney + 1}, errcode.ParamValueInvalid, "pricePerCall"},
		{"a package price above MaxMoney", model.Plan{GroupID: g.ID, Name: "x", PricePerCall: model.MaxMoney / 2, TotalCalls: 3}, errcode.ArgumentsInconsistent, "pricePerCall"},
		{"a daily limit above the package's calls", model.Plan{GroupID: g.ID, Name: "x", DailyLimit: 11, TotalCalls: 10}, errcode.ArgumentsInconsistent, "dailyLimit"},
		{"a negative daily limit", model.Plan{GroupID: g.ID, Name: "x", DailyLimit: -1}, errcode.ParamValueInvalid, "dailyLimit"},
		{"total calls above MaxCalls", model.Plan{GroupID: g.ID, Name: "x", TotalCalls: model.MaxCalls + 1}, errcode.ParamValueInvalid, "totalCalls"},
		{"a negative qps", model.Plan{GroupID: g.ID, Name: "x", QPS: -1}, errcode.ParamValueInvalid, "qps"},
	}
	for _, tt := range tests {
		_, err := s.CreatePlan(ctx, tt.p)
		wantErr(t, "CreatePlan with "+tt.name, err, tt.cond, tt.subject)
	}

	plans, err := s.ListPlans(ctx, g.ID)
	if got, want := ids(plans, func(p model.Plan) string { return p.ID }), []string{created.ID, free.ID}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ListPlans: got %q, %v; want %q (refused plans are not stored)", got, err, want)
	}
	if plans, err := s.ListPlans(ctx, other.ID); err != nil || len(plans) != 1 || plans[0] != elsewhere {
		t.Errorf("ListPlans(other): got %+v, %v; want [%+v]", plans, err, elsewhere)
	}
	empty := mustGroup(t, s, "empty")
	if plans, err := s.ListPlans(ctx, empty.ID); err != nil || plans == nil || len(plans) != 0 {
		t.Errorf("ListPlans of a group without plans: got %#v, %v; want an empty, non-nil list", plans, err)
	}
	_, err = s.ListPlans(ctx, "g-missing")
	wantErr(t, "ListPlans of an unknown group", err, errcode.ResourceNotFound, "group g-missing")
	_, err = s.Plan(ctx, "plan-missing")
	wantErr(t, "Plan of an unknown id", err, errcode.ResourceNotFound, "plan plan-missing")
}

func testPlanUpdates(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "shop")
	other := mustGroup(t, s, "other")
	p := mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "gold", PricePerCall: 5, DailyLimit: 100, TotalCalls: 1000, QPS: 10})
	mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "silver"})

	got, err := s.UpdatePlan(ctx, p.ID, func(x *model.Plan) error {
		x.Name, x.Withdrawn = "platinum", true
		x.ID, x.GroupID, x.CreatedAt = "plan-other", other.ID, x.CreatedAt.Add(1) // kept as they were
		return nil
	})
	want := p
	want.Name, want.Withdrawn = "platinum", true
	if err != nil || got != want {
		t.Fatalf("UpdatePlan of the name and Withdrawn: got %+v, %v; want %+v", got, err, want)
	}
	if got, err := s.Plan(ctx, p.ID); err != nil || got != want {
		t.Errorf("Plan after update: got %+v, %v; want %+v", got, err, want)
	}

	refusal := errcode.New(errcode.Forbidden, "")
	tests := []struct {
		name    string
		update  func(*model.Plan) error
		cond    *errcode.Condition
		subject string
	}{
		{"the price", func(x *model.Plan) error { x.PricePerCall = 6; return nil }, errcode.ParamValueInvalid, "pricePerCall"},
		{"the daily limit", func(x *model.Plan) error { x.DailyLimit = 0; return nil }, errcode.ParamValueInvalid, "dailyLimit"},
		{"the total calls", func(x *model.Plan) error { x.TotalCalls = 2000; return nil }, errcode.ParamValueInvalid, "totalCalls"},
		{"the qps", func(x *model.Plan) error { x.QPS = 11; return nil }, errcode.ParamValueInvalid, "qps"},
		{"the name with a term", func(x *model.Plan) error { x.Name, x.QPS = "x", 1; return nil }, errcode.ParamValueInvalid, "qps"},
		{"a taken name", func(x *model.Plan) error { x.Name = "silver"; return nil }, errcode.RecordConflict, "name"},
		{"an invalid name", func(x *model.Plan) error { x.Name = "bad name"; return nil }, errcode.ParamValueInvalid, "name"},
		{"an update that refuses", func(x *model.Plan) error { x.Name = "y"; return refusal }, errcode.Forbidden, ""},
	}
	for _, tt := range tests {
		_, err := s.UpdatePlan(ctx, p.ID, tt.update)
		wantErr(t, "UpdatePlan of "+tt.name, err, tt.cond, tt.subject)
	}
	if got, err := s.Plan(ctx, p.ID); err != nil || got != want {
		t.Errorf("refused updates changed the plan: got %+v, %v; want %+v", got, err, want)
	}
	// The name of a plan of another group is free.
	mustPlan(t, s, model.Plan{GroupID: other.ID, Name: "bronze"})
	if _, err := s.UpdatePlan(ctx, p.ID, func(x *model.Plan) error { x.Name = "bronze"; return nil }); err != nil {
		t.Errorf("UpdatePlan to the name of another group's plan: %v", err)
	}
	_, err = s.UpdatePlan(ctx, "plan-missing", func(*model.Plan) error { return nil })
	wantErr(t, "UpdatePlan of an unknown plan", err, errcode.ResourceNotFound, "plan plan-missing")
}

func testSubscriptions(t *testing.T, s store.Store) {
	mustAccount(t, s, "buyer")
	mustAccount(t, s, "other")
	g := mustGroup(t, s, "shop")
	g2 := mustGroup(t, s, "second")
	gold := mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "gold", PricePerCall: 5, DailyLimit: 100, TotalCalls: 1000, QPS: 10})
	perCall := mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "metered", PricePerCall: 2})
	second := mustPlan(t, s, model.Plan{GroupID: g2.ID, Name: "free"})

	first := mustSubscribe(t, s, "buyer", gold)
	want := gold.Terms("buyer")
	want.ID, want.CreatedAt = first.ID, first.CreatedAt
	if !subscriptionID.MatchString(first.ID) || first.CreatedAt.IsZero() || first != want {
		t.Errorf("CreateSubscription: got %+v, want %+v with an id sub- and ten base32 characters", first, want)
	}
	if got, err := s.Subscription(ctx, first.ID); err != nil || got != first {
		t.Errorf("Subscription: got %+v, %v; want %+v", got, err, first)
	}
	elsewhere := mustSubscribe(t, s, "buyer", second) // another group: no replacement
	theirs := mustSubscribe(t, s, "other", gold)      // another pin: no replacement

	// The terms stored are the plan's, whatever the subscription says.
	forged := perCall.Terms("buyer")
	forged.PricePerCall, forged.QPS, forged.EndedAt = 0, 99, first.CreatedAt
	replacement, err := s.CreateSubscription(ctx, forged)
	if err != nil {
		t.Fatalf("CreateSubscription replacing: %v", err)
	}
	if replacement.PricePerCall != 2 || replacement.QPS != 0 || !replacement.EndedAt.IsZero() || replacement.PlanID != perCall.ID {
		t.Errorf("CreateSubscription: got %+v, want the terms of %+v and no EndedAt", replacement, perCall)
	}

	old, err := s.Subscription(ctx, first.ID)
	if err != nil || old.EndedAt.IsZero() || old.EndedAt.Before(old.CreatedAt) {
		t.Errorf("the replaced subscription: got %+v, %v; want an EndedAt after its CreatedAt", old, err)
	}
	for _, sub := range []model.Subscription{elsewhere, theirs} {
		if got, err := s.Subscription(ctx, sub.ID); err != nil || !got.EndedAt.IsZero() {
			t.Errorf("a subscription of another group or pin: got %+v, %v; want it not ended", got, err)
		}
	}
	subs, err := s.ListSubscriptions(ctx, "buyer")
	if got, want := subIDs(subs), []string{first.ID, elsewhere.ID, replacement.ID}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ListSubscriptions: got %q, %v; want %q, ended ones included", got, err, want)
	}
	c, err := s.LoadCallers(ctx)
	if got, want := subIDs(c.Market.Subscriptions), []string{elsewhere.ID, theirs.ID, replacement.ID}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LoadCallers: got subscriptions %q, %v; want %q, only those not ended", got, err, want)
	}
	if got, want := ids(c.Market.Plans, func(p model.Plan) string { return p.ID }), []string{gold.ID, perCall.ID, second.ID}; !slices.Equal(got, want) {
		t.Errorf("LoadCallers: got plans %q, want %q", got, want)
	}

	noGroup := gold.Terms("buyer")
	noGroup.GroupID = ""
	if sub, err := s.CreateSubscription(ctx, noGroup); err != nil || sub.GroupID != g.ID {
		t.Errorf("CreateSubscription without a group: got %+v, %v; want the plan's group %s", sub, err, g.ID)
	}
	wrongGroup := gold.Terms("buyer")
	wrongGroup.GroupID = g2.ID
	unknownPlan := gold.Terms("buyer")
	unknownPlan.PlanID = "plan-missing"
	noPlan := gold.Terms("buyer")
	noPlan.PlanID = ""
	tests := []struct {
		name    string
		sub     model.Subscription
		cond    *errcode.Condition
		subject string
	}{
		{"an unknown pin", gold.Terms("nobody"), errcode.PinInvalid, "pin"},
		{"no pin", gold.Terms(""), errcode.ArgumentNotFound, "pin"},
		{"an unknown plan", unknownPlan, errcode.ResourceNotFound, "plan plan-missing"},
		{"no plan", noPlan, errcode.ArgumentNotFound, "planId"},
		{"another group than the plan's", wrongGroup, errcode.ParentMismatch, ""},
		{"a negative payment", model.Subscription{Pin: "buyer", PlanID: gold.ID, Paid: -1}, errcode.ParamValueInvalid, "paid"},
		{"a payment above MaxMoney", model.Subscription{Pin: "buyer", PlanID: gold.ID, Paid: model.MaxMoney + 1}, errcode.ParamValueInvalid, "paid"},
	}
	before, _ := s.ListSubscriptions(ctx, "buyer")
	for _, tt := range tests {
		_, err := s.CreateSubscription(ctx, tt.sub)
		wantErr(t, "CreateSubscription with "+tt.name, err, tt.cond, tt.subject)
	}
	if after, _ := s.ListSubscriptions(ctx, "buyer"); !slices.Equal(after, before) {
		t.Errorf("refused subscriptions changed the pin's: got %+v, want %+v", after, before)
	}
	_, err = s.Subscription(ctx, "sub-missing")
	wantErr(t, "Subscription of an unknown id", err, errcode.ResourceNotFound, "subscription sub-missing")
	_, err = s.ListSubscriptions(ctx, "nobody")
	wantErr(t, "ListSubscriptions of an unknown pin", err, errcode.ResourceNotFound, "account nobody")
	if subs, err := s.ListSubscriptions(ctx, "other"); err != nil || len(subs) != 1 {
		t.Errorf("ListSubscriptions(other): got %+v, %v; want one", subs, err)
	}
}

// testSubscriptionsOfDeletedGroup: deleting a group deletes its plans and
// ends the subscriptions to it, which stay as the record of a purchase.
func testSubscriptionsOfDeletedGroup(t *testing.T, s store.Store) {
	mustAccount(t, s, "buyer")
	g := mustGroup(t, s, "shop")
	keep := mustGroup(t, s, "keep")
	gone := mustSubscribe(t, s, "buyer", mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "gold", PricePerCall: 1, TotalCalls: 10}))
	kept := mustSubscribe(t, s, "buyer", mustPlan(t, s, model.Plan{GroupID: keep.ID, Name: "gold"}))
	if err := s.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	_, err := s.Plan(ctx, gone.PlanID)
	wantErr(t, "Plan of a deleted group", err, errcode.ResourceNotFound, "plan "+gone.PlanID)
	got, err := s.Subscription(ctx, gone.ID)
	if err != nil || got.EndedAt.IsZero() || got.Paid != 10 {
		t.Errorf("Subscription to a deleted group: got %+v, %v; want it kept, ended", got, err)
	}
	if got, err := s.Subscription(ctx, kept.ID); err != nil || !got.EndedAt.IsZero() {
		t.Errorf("Subscription to another group: got %+v, %v; want it not ended", got, err)
	}
	c, err := s.LoadCallers(ctx)
	if got, want := subIDs(c.Market.Subscriptions), []string{kept.ID}; err != nil || !slices.Equal(got, want) || len(c.Market.Plans) != 1 {
		t.Errorf("LoadCallers after DeleteGroup: got subscriptions %q and %d plans, %v; want %q and 1 plan", got, len(c.Market.Plans), err, want)
	}
}

// testConcurrentSubscriptions: subscriptions of one pin to one group made
// at once all succeed, and exactly one of them is left not ended.
func testConcurrentSubscriptions(t *testing.T, s store.Store) {
	mustAccount(t, s, "buyer")
	g := mustGroup(t, s, "shop")
	var plans []model.Plan
	for i := range 5 {
		plans = append(plans, mustPlan(t, s, model.Plan{GroupID: g.ID, Name: fmt.Sprintf("p%d", i)}))
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.CreateSubscription(ctx, plans[i%len(plans)].Terms("buyer"))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent CreateSubscription: %v", err)
		}
	}
	subs, _ := s.ListSubscriptions(ctx, "buyer")
	current := 0
	for _, sub := range subs {
		if sub.EndedAt.IsZero() {
			current++
		}
	}
	if len(subs) != n || current != 1 {
		t.Errorf("after %d concurrent subscriptions: got %d, %d not ended; want %d, 1", n, len(subs), current, n)
	}
}

func testRecharges(t *testing.T, s store.Store) {
	mustAccount(t, s, "payer")
	mustAccount(t, s, "idle")
	if c, err := s.Credit(ctx, "payer"); err != nil || c != 0 {
		t.Errorf("Credit before any recharge: got %d, %v; want 0", c, err)
	}
	if rs, err := s.ListRecharges(ctx, "payer"); err != nil || rs == nil || len(rs) != 0 {
		t.Errorf("ListRecharges before any: got %#v, %v; want an empty, non-nil list", rs, err)
	}

	var made []string
	var sum model.Money
	for _, amount := range []model.Money{1, 250, 10_000} {
		r, credit, err := s.Recharge(ctx, model.Recharge{Pin: "payer", Amount: amount})
		sum += amount
		if err != nil || credit != sum || r.Amount != amount || r.Pin != "payer" || !rechargeID.MatchString(r.ID) || r.CreatedAt.IsZero() {
			t.Fatalf("Recharge(%d): got %+v, credit %d, %v; want credit %d", amount, r, credit, err, sum)
		}
		made = append(made, r.ID)
	}

	tests := []struct {
		name    string
		r       model.Recharge
		cond    *errcode.Condition
		subject string
	}{
		{"a zero amount", model.Recharge{Pin: "payer", Amount: 0}, errcode.ParamValueInvalid, "amount"},
		{"a negative amount", model.Recharge{Pin: "payer", Amount: -5}, errcode.ParamValueInvalid, "amount"},
		{"an amount above MaxMoney", model.Recharge{Pin: "payer", Amount: model.MaxMoney + 1}, errcode.ParamValueInvalid, "amount"},
		{"a credit that would pass MaxMoney", model.Recharge{Pin: "payer", Amount: model.MaxMoney}, errcode.ParamValueInvalid, "amount"},
		{"an unknown pin", model.Recharge{Pin: "nobody", Amount: 5}, errcode.PinInvalid, "pin"},
	}
	for _, tt := range tests {
		_, _, err := s.Recharge(ctx, tt.r)
		wantErr(t, "Recharge with "+tt.name, err, tt.cond, tt.subject)
	}

	if c, err := s.Credit(ctx, "payer"); err != nil || c != sum {
		t.Errorf("Credit: got %d, %v; want %d (refused recharges are not stored)", c, err, sum)
	}
	if credit, spent, err := s.LedgerBalance(ctx, "payer"); err != nil || credit != sum || spent != 0 {
		t.Errorf("LedgerBalance: got credit %d, spent %d, %v; want %d and 0: a recharge's row commits with it, a refused one writes none", credit, spent, err, sum)
	}
	rs, err := s.ListRecharges(ctx, "payer")
	if got := ids(rs, func(r model.Recharge) string { return r.ID }); err != nil || !slices.Equal(got, made) {
		t.Errorf("ListRecharges: got %q, %v; want %q", got, err, made)
	}
	_, err = s.Credit(ctx, "nobody")
	wantErr(t, "Credit of an unknown pin", err, errcode.ResourceNotFound, "account nobody")
	_, err = s.ListRecharges(ctx, "nobody")
	wantErr(t, "ListRecharges of an unknown pin", err, errcode.ResourceNotFound, "account nobody")

	// The credit may reach MaxMoney exactly.
	if _, credit, err := s.Recharge(ctx, model.Recharge{Pin: "idle", Amount: model.MaxMoney}); err != nil || credit != model.MaxMoney {
		t.Errorf("Recharge up to MaxMoney: got credit %d, %v", credit, err)
	}
	c, err := s.LoadCallers(ctx)
	if want := map[string]model.Money{"payer": sum, "idle": model.MaxMoney}; err != nil || !mapsEqual(c.Market.Credits, want) {
		t.Errorf("LoadCallers: got credits %v, %v; want %v", c.Market.Credits, err, want)
	}
}

// testConcurrentRecharges: recharges made at once are all counted.
func testConcurrentRecharges(t *testing.T, s store.Store) {
	mustAccount(t, s, "payer")
	const n = 30
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, _, err := s.Recharge(ctx, model.Recharge{Pin: "payer", Amount: 7})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Recharge: %v", err)
		}
	}
	if c, err := s.Credit(ctx, "payer"); err != nil || c != 7*n {
		t.Errorf("Credit after %d concurrent recharges of 7: got %d, %v; want %d", n, c, err, 7*n)
	}
}

func mapsEqual(a, b map[string]model.Money) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func testAuthorizationQuotas(t *testing.T, s store.Store) {
	mustAccount(t, s, "caller")
	g := mustGroup(t, s, "shop")
	tests := []struct {
		name         string
		env          model.Environment
		daily, total int64
		cond         *errcode.Condition
		subject      string
	}{
		{name: "no quota", env: model.EnvTest},
		{name: "both quotas", env: model.EnvPreview, daily: 100, total: model.MaxCalls},
		{name: "a negative daily limit", env: model.EnvOnline, daily: -1, cond: errcode.ParamValueInvalid, subject: "dailyLimit"},
		{name: "a daily limit above MaxCalls", env: model.EnvOnline, daily: model.MaxCalls + 1, cond: errcode.ParamValueInvalid, subject: "dailyLimit"},
		{name: "a negative total", env: model.EnvOnline, total: -1, cond: errcode.ParamValueInvalid, subject: "totalCalls"},
		{name: "a total above MaxCalls", env: model.EnvOnline, total: model.MaxCalls + 1, cond: errcode.ParamValueInvalid, subject: "totalCalls"},
		{name: "a daily limit above the total", env: model.EnvOnline, daily: 11, total: 10, cond: errcode.ArgumentsInconsistent, subject: "dailyLimit"},
	}
	stored := map[string]model.Authorization{}
	for _, tt := range tests {
		a, err := s.CreateAuthorization(ctx, model.Authorization{GroupID: g.ID, Environment: tt.env, Pin: "caller",
			DailyLimit: tt.daily, TotalCalls: tt.total})
		if tt.cond != nil {
			wantErr(t, "CreateAuthorization with "+tt.name, err, tt.cond, tt.subject)
			continue
		}
		if err != nil {
			t.Fatalf("CreateAuthorization with %s: %v", tt.name, err)
		}
		got, err := s.Authorization(ctx, g.ID, a.ID)
		if err != nil || got.DailyLimit != tt.daily || got.TotalCalls != tt.total {
			t.Errorf("Authorization with %s: got %+v, %v; want dailyLimit %d, totalCalls %d", tt.name, got, err, tt.daily, tt.total)
		}
		stored[a.ID] = got
	}
	list, total, err := s.ListAuthorizations(ctx, g.ID, all)
	if err != nil || total != len(stored) {
		t.Fatalf("ListAuthorizations: got %d, %v; want %d (refused ones are not stored)", total, err, len(stored))
	}
	for _, a := range list {
		if !a.CreatedAt.Equal(stored[a.ID].CreatedAt) || a.DailyLimit != stored[a.ID].DailyLimit || a.TotalCalls != stored[a.ID].TotalCalls {
			t.Errorf("ListAuthorizations: got %+v, want %+v", a, stored[a.ID])
		}
	}
	c, err := s.LoadCallers(ctx)
	if err != nil {
		t.Fatalf("LoadCallers: %v", err)
	}
	for _, a := range c.Authorizations {
		if w := stored[a.ID]; a.DailyLimit != w.DailyLimit || a.TotalCalls != w.TotalCalls {
			t.Errorf("LoadCallers: got authorization %+v, want %+v", a, w)
		}
	}
}

func testGroupStatus(t *testing.T, s store.Store) {
	for _, status := range []string{"", model.GroupActive, model.GroupSuspended} {
		g := model.Group{Name: "g" + status, Status: status}
		g.ApplyDefaults()
		created, err := s.CreateGroup(ctx, g)
		if err != nil {
			t.Fatalf("CreateGroup with status %q: %v", status, err)
		}
		if got, err := s.Group(ctx, created.ID); err != nil || got.Status != status {
			t.Errorf("Group with status %q: got %q, %v", status, got.Status, err)
		}
	}
	bad := model.Group{Name: "bad", Status: "paused"}
	bad.ApplyDefaults()
	_, err := s.CreateGroup(ctx, bad)
	wantErr(t, "CreateGroup with an unknown status", err, errcode.ParamValueInvalid, "status")

	g := mustGroup(t, s, "served")
	mustAPI(t, s, g.ID, "a", "GET", "/a")
	mustRevision(t, s, g.ID, "1.0.0")
	mustDeploy(t, s, g.ID, "1.0.0", model.EnvOnline)
	tests := []struct {
		status string
		cond   *errcode.Condition
	}{
		{model.GroupSuspended, nil},
		{"stopped", errcode.ParamValueInvalid},
		{model.GroupActive, nil},
		{"", nil},
		{model.GroupSuspended, nil},
	}
	want := ""
	for _, tt := range tests {
		_, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { g.Status = tt.status; return nil })
		if tt.cond != nil {
			wantErr(t, fmt.Sprintf("UpdateGroup to status %q", tt.status), err, tt.cond, "status")
		} else if err != nil {
			t.Fatalf("UpdateGroup to status %q of a group online: %v", tt.status, err)
		} else {
			want = tt.status
		}
		if got, err := s.Group(ctx, g.ID); err != nil || got.Status != want {
			t.Errorf("Group after UpdateGroup to %q: got status %q, %v; want %q", tt.status, got.Status, err, want)
		}
	}
	pubs, err := s.LoadPublished(ctx)
	if err != nil || len(pubs) != 1 || pubs[0].Group.Status != model.GroupSuspended {
		t.Errorf("LoadPublished: got %+v, %v; want the group %s suspended", pubs, err, g.ID)
	}
}

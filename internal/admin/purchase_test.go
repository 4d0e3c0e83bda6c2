package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// shop is a market made with the admin token: accounts buyer (real-name
// verified, 100 of credit), unverified and off (disabled, verified), a
// group selling a package of 10 calls at 3, a free plan, a pay-per-call
// plan at 2, a withdrawn plan and a package of 10 calls at 1000; and a
// suspended group with a plan.
type shop struct {
	group, pkg, free, payg, withdrawn, pricey string
	suspended, stopped                        string
}

func (hs *harness) shop() shop {
	hs.t.Helper()
	hs.must("POST", "/v1/accounts", `{"pin":"buyer","realNameVerified":true}`, 201)
	hs.must("POST", "/v1/accounts", `{"pin":"unverified"}`, 201)
	hs.must("POST", "/v1/accounts", `{"pin":"off","status":"disabled","realNameVerified":true}`, 201)
	hs.must("POST", "/v1/accounts/buyer/recharge", `{"amount":100}`, 201)
	var s shop
	s.group = hs.must("POST", "/v1/groups", `{"name":"weather"}`, 201).str("groupId")
	plan := func(group, body string) string {
		return hs.must("POST", "/v1/groups/"+group+"/plans", body, 201).str("planId")
	}
	s.pkg = plan(s.group, `{"name":"pack","pricePerCall":3,"totalCalls":10,"dailyLimit":5}`)
	s.free = plan(s.group, `{"name":"free","dailyLimit":1}`)
	s.payg = plan(s.group, `{"name":"metered","pricePerCall":2,"qps":5}`)
	s.withdrawn = plan(s.group, `{"name":"old","pricePerCall":1,"totalCalls":1}`)
	hs.must("PATCH", "/v1/groups/"+s.group+"/plans/"+s.withdrawn, `{"withdrawn":true}`, 200)
	s.pricey = plan(s.group, `{"name":"gold","pricePerCall":1000,"totalCalls":10}`)
	s.suspended = hs.must("POST", "/v1/groups", `{"name":"closed"}`, 201).str("groupId")
	s.stopped = plan(s.suspended, `{"name":"any","pricePerCall":1,"totalCalls":1}`)
	hs.must("PATCH", "/v1/groups/"+s.suspended, `{"status":"suspended"}`, 200)
	return s
}

// balanceOf returns pin's balance as the bill tells it.
func (hs *harness) balanceOf(pin string) float64 {
	hs.t.Helper()
	b, _ := hs.must("GET", "/v1/accounts/"+pin+"/bills", "", 200).body["balance"].(float64)
	return b
}

// TestPurchase: each refusal of a purchase with its code, in the order
// the checks run, and that a refused purchase stores and charges nothing;
// a successful one charges the package price exactly once.
func TestPurchase(t *testing.T) {
	hs := newHarness(t)
	s := hs.shop()
	buy := func(pin, plan string) string { return fmt.Sprintf(`{"pin":%q,"planId":%q}`, pin, plan) }
	tests := []struct {
		name, body string
		status     int
		code       string
		detail     string // a part of the message
	}{
		{"not real-name verified", buy("unverified", s.pkg), 500, "APIGATEWAY_INVALID_AUTHENTICATION_STATUS", "real-name"},
		{"not verified comes before withdrawn", buy("unverified", s.withdrawn), 500, "APIGATEWAY_INVALID_AUTHENTICATION_STATUS", ""},
		{"not verified comes before suspended", buy("unverified", s.stopped), 500, "APIGATEWAY_INVALID_AUTHENTICATION_STATUS", ""},
		{"withdrawn plan", buy("buyer", s.withdrawn), 500, "APIGATEWAY_OPERATION_FAILED", "withdrawn"},
		{"suspended group", buy("buyer", s.stopped), 500, "APIGATEWAY_INVALID_SERVICE_STATUS", "suspended"},
		{"balance below the package price", buy("buyer", s.pricey), 400, "FAILED_PRECONDITION", "10000"},
		{"disabled account", buy("off", s.pkg), 500, "APIGATEWAY_OPERATION_FAILED", "disabled"},
		{"unknown account", buy("nobody", s.pkg), 500, "APIGATEWAY_OPERATION_FAILED", "nobody"},
		{"unknown plan", buy("buyer", "plan-nosuchplan"), 500, "APIGATEWAY_OPERATION_FAILED", "plan-nosuchplan"},
		{"no plan", `{"pin":"buyer"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "planId"},
		{"no pin with the admin token", fmt.Sprintf(`{"planId":%q}`, s.pkg), 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "pin"},
		{"a price is no field", `{"pin":"buyer","planId":"x","paid":0}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "paid"},
	}
	before := hs.state()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hs.do("POST", "/v1/subscriptions", tt.body)
			if res.status != tt.status || res.errStatus() != tt.code || !strings.Contains(res.errMessage(), tt.detail) {
				t.Errorf("got %d %s, want %d %s with %q", res.status, res.raw, tt.status, tt.code, tt.detail)
			}
		})
	}
	if hs.state() != before {
		t.Errorf("a refused purchase changed the store")
	}
	if b := hs.balanceOf("buyer"); b != 100 {
		t.Errorf("balance after refused purchases: got %v, want 100", b)
	}

	// A package costs its price once; a free plan and a pay-per-call plan
	// cost nothing to buy.
	changes := hs.changes.Load()
	for _, p := range []struct {
		plan    string
		balance float64
		paid    float64
	}{{s.pkg, 70, 30}, {s.free, 70, 0}, {s.payg, 70, 0}} {
		res := hs.must("POST", "/v1/subscriptions", buy("buyer", p.plan), 201)
		sub, _ := res.body["subscription"].(map[string]any)
		if res.body["balance"] != p.balance || sub["paid"] != p.paid || sub["planId"] != p.plan || sub["pin"] != "buyer" {
			t.Errorf("buy %s: got %s, want balance %v paid %v", p.plan, res.raw, p.balance, p.paid)
		}
		if loc := res.header.Get("Location"); loc != "/v1/subscriptions/"+subscriptionID(res) {
			t.Errorf("buy %s: Location %q", p.plan, loc)
		}
	}
	if hs.changes.Load() != changes+3 {
		t.Errorf("purchases: %d reloads, want 3", hs.changes.Load()-changes)
	}
	bill := hs.must("GET", "/v1/accounts/buyer/bills", "", 200)
	if bill.body["credit"] != 100.0 || bill.body["spent"] != 30.0 || bill.body["balance"] != 70.0 {
		t.Errorf("bill after the purchases: %s", bill.raw)
	}
	if res := hs.do("GET", "/v1/subscriptions", ""); res.status != 400 || res.errStatus() != "APIGATEWAY_ARGUMENT_NOT_FOUND" {
		t.Errorf("the operator lists subscriptions of no pin: %d %s", res.status, res.raw)
	}
	// Each purchase replaced the previous subscription to the group.
	list := hs.must("GET", "/v1/subscriptions?pin=buyer", "", 200)
	if list.body["totalCount"] != 3.0 || strings.Count(list.raw, `"endedAt"`) != 2 {
		t.Errorf("subscriptions: %s", list.raw)
	}
}

// TestPurchaseRace: two purchases of a package the balance pays for once:
// exactly one succeeds.
func TestPurchaseRace(t *testing.T) {
	hs := newHarness(t)
	s := hs.shop()
	hs.must("POST", "/v1/accounts", `{"pin":"twice","realNameVerified":true}`, 201)
	hs.must("POST", "/v1/accounts/twice/recharge", `{"amount":30}`, 201)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = hs.do("POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"twice","planId":%q}`, s.pkg)).status
		})
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == 201 {
			ok++
		} else if st != 400 {
			t.Errorf("a racing purchase: %d", st)
		}
	}
	if ok != 1 || hs.balanceOf("twice") != 0 {
		t.Errorf("racing purchases: %d succeeded (%v), balance %v; want 1 and 0", ok, statuses, hs.balanceOf("twice"))
	}
}

// failingStore is a store whose purchases cannot be committed: the hold
// is taken inside the transaction, then the commit fails.
type failingStore struct {
	store.Store
}

var errDiskFull = errors.New("disk full")

func (f failingStore) Purchase(ctx context.Context, pin, planID string, hold func(model.Money, string) error) (model.Subscription, store.PendingPurchase, error) {
	p, err := f.Store.Plan(ctx, planID)
	if err != nil {
		return model.Subscription{}, store.PendingPurchase{}, err
	}
	if err := hold(p.PackagePrice(), "sub-failing"); err != nil {
		return model.Subscription{}, store.PendingPurchase{}, err
	}
	return model.Subscription{}, store.PendingPurchase{}, errcode.Wrap(errcode.OperationFailed, errDiskFull)
}

// TestPurchaseStoreFailure: when the subscription cannot be written, the
// purchase is PurchaseFailed wrapping the cause, and the held price goes
// back to the balance.
func TestPurchaseStoreFailure(t *testing.T) {
	hs := newHarness(t)
	s := hs.shop()
	srv := newServer(Config{Store: failingStore{hs.store}, Token: token, Clock: hs.clock, Counter: hs.srv.counter})
	_, err := srv.purchase(context.Background(), "buyer", s.pkg)
	if !errcode.Has(err, errcode.PurchaseFailed) || !errors.Is(err, errDiskFull) {
		t.Fatalf("purchase with a failing store: got %v, want PurchaseFailed caused by %v", err, errDiskFull)
	}
	if e := errcode.From(err); e.Cond != errcode.PurchaseFailed {
		t.Errorf("the answer's condition: got %s, want PurchaseFailed", e.Cond.Code())
	}
	if b := hs.balanceOf("buyer"); b != 100 {
		t.Errorf("balance after a failed write: got %v, want 100", b)
	}
	// The money is not held either: the whole credit can still be spent.
	hs.must("POST", "/v1/accounts/buyer/recharge", `{"amount":200}`, 201)
	res := hs.must("POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"buyer","planId":%q}`, s.pkg), 201)
	if res.body["balance"] != 270.0 {
		t.Errorf("a purchase after the failure: %s", res.raw)
	}
}

// TestPurchaseAsAccount: an account buys for itself, by default and by
// name, and never for another; what it bought only it and the operator
// see.
func TestPurchaseAsAccount(t *testing.T) {
	hs := newHarness(t)
	s := hs.shop()
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	hs.must("PATCH", "/v1/accounts/"+a.pin, `{"realNameVerified":true}`, 200)
	sign := func(k creds, method, path, body string) response {
		hs.clock.Advance(1e9)
		return hs.as(k, method, path, body)
	}
	res := sign(a.key, "POST", "/v1/subscriptions", fmt.Sprintf(`{"planId":%q}`, s.free))
	if res.status != 201 || !strings.Contains(res.raw, `"pin":"tenant-a"`) {
		t.Fatalf("A buys for itself: %d %s", res.status, res.raw)
	}
	id := subscriptionID(res)
	if res := sign(a.userKey, "POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"tenant-a","planId":%q}`, s.payg)); res.status != 201 {
		t.Errorf("A's user buys for A: %d %s", res.status, res.raw)
	}
	for _, c := range []struct{ name, method, path, body string }{
		{"A buys for B", "POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"tenant-b","planId":%q}`, s.free)},
		{"A lists B's", "GET", "/v1/subscriptions?pin=tenant-b", ""},
		{"A tops itself up", "POST", "/v1/accounts/tenant-a/recharge", `{"amount":1000}`},
		{"A reads B's bill", "GET", "/v1/accounts/tenant-b/bills", ""},
		{"A renames a plan of another's group", "PATCH", "/v1/groups/" + s.group + "/plans/" + s.free, `{"name":"mine"}`},
		{"A sells on another's group", "POST", "/v1/groups/" + s.group + "/plans", `{"name":"mine"}`},
	} {
		if res := sign(a.key, c.method, c.path, c.body); res.status != 403 || res.errStatus() != "APIGATEWAY_HTTP_FORBIDDEN" {
			t.Errorf("%s: got %d %s, want 403 APIGATEWAY_HTTP_FORBIDDEN", c.name, res.status, res.raw)
		}
	}
	if res := sign(b.key, "GET", "/v1/subscriptions/"+id, ""); res.status != 403 {
		t.Errorf("B reads A's subscription: %d %s", res.status, res.raw)
	}
	if res := sign(a.key, "GET", "/v1/subscriptions", ""); res.status != 200 || res.body["totalCount"] != 2.0 {
		t.Errorf("A lists its own: %d %s", res.status, res.raw)
	}
	if res := sign(b.key, "GET", "/v1/subscriptions", ""); res.status != 200 || res.body["totalCount"] != 0.0 {
		t.Errorf("B lists its own: %d %s", res.status, res.raw)
	}
}

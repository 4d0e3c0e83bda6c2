package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// mustBuyer creates an active, real-name verified account: one that may
// purchase.
func mustBuyer(t *testing.T, s store.Store, pin string) {
	t.Helper()
	a := model.Account{Pin: pin, RealNameVerified: true}
	a.ApplyDefaults()
	if _, err := s.CreateAccount(ctx, a); err != nil {
		t.Fatalf("CreateAccount(%s): %v", pin, err)
	}
}

// noBalance is a hold that refuses every price.
func noBalance(price model.Money, _ string) error {
	return errcode.Newf(errcode.PurchaseNoBalance, "the package costs %d", price)
}

func testPurchases(t *testing.T, s store.Store) {
	mustAccount(t, s, "unverified")
	mustBuyer(t, s, "buyer")
	g := mustGroup(t, s, "shop")
	small := mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "small", PricePerCall: 3, TotalCalls: 10})
	large := mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "large", PricePerCall: 2, TotalCalls: 100})

	held := false
	if _, _, err := s.Purchase(ctx, "unverified", small.ID, func(model.Money, string) error { held = true; return nil }); !errcode.Has(err, errcode.PurchaseIdentityUnverified) || held {
		t.Errorf("Purchase by an unverified account: got %v (hold called: %v), want PurchaseIdentityUnverified before any hold", err, held)
	}
	if _, _, err := s.Purchase(ctx, "buyer", small.ID, noBalance); !errcode.Has(err, errcode.PurchaseNoBalance) {
		t.Errorf("Purchase whose hold fails: got %v, want the hold's PurchaseNoBalance", err)
	}
	if subs, _ := s.ListSubscriptions(ctx, "buyer"); len(subs) != 0 {
		t.Errorf("after a refused hold: got %d subscriptions, want none stored", len(subs))
	}

	var price model.Money
	var holdRef string
	first, pending, err := s.Purchase(ctx, "buyer", small.ID, func(p model.Money, ref string) error { price, holdRef = p, ref; return nil })
	if err != nil {
		t.Fatalf("Purchase: %v", err)
	}
	if price != 30 || first.Paid != 30 || pending.Price != 30 || pending.SubscriptionID != first.ID || pending.ReplacedID != "" || pending.Pin != "buyer" {
		t.Errorf("Purchase of 10 calls at 3: got hold of %d, subscription %+v, pending %+v; want 30 held, paid and pending", price, first, pending)
	}
	if holdRef != first.ID {
		t.Errorf("Purchase: the hold was given the ref %q, want the subscription's id %s", holdRef, first.ID)
	}
	if credit, spent, err := s.LedgerBalance(ctx, "buyer"); err != nil || credit != 0 || spent != 30 {
		t.Errorf("LedgerBalance after a purchase of 30: got credit %d, spent %d, %v; want 0 and 30", credit, spent, err)
	}
	if got, err := s.PendingPurchases(ctx); err != nil || len(got) != 1 || got[0].ID != pending.ID {
		t.Errorf("PendingPurchases after a purchase: got %+v, %v; want %s", got, err, pending.ID)
	}
	if err := s.FinishPurchase(ctx, pending.ID); err != nil {
		t.Fatalf("FinishPurchase: %v", err)
	}
	if got, err := s.PendingPurchases(ctx); err != nil || len(got) != 0 {
		t.Errorf("PendingPurchases after FinishPurchase: got %+v, %v; want none", got, err)
	}

	second, pending, err := s.Purchase(ctx, "buyer", large.ID, func(model.Money, string) error { return nil })
	if err != nil {
		t.Fatalf("second Purchase: %v", err)
	}
	if pending.ReplacedID != first.ID {
		t.Errorf("Purchase of another plan of the group: got ReplacedID %q, want %s", pending.ReplacedID, first.ID)
	}
	if err := s.CancelPurchase(ctx, pending.ID); err != nil {
		t.Fatalf("CancelPurchase: %v", err)
	}
	if _, spent, err := s.LedgerBalance(ctx, "buyer"); err != nil || spent != 30 {
		t.Errorf("LedgerBalance after a cancelled purchase of 200: got spent %d, %v; want the first purchase's 30 alone", spent, err)
	}
	if _, err := s.Subscription(ctx, second.ID); !errcode.Has(err, errcode.ResourceNotFound) {
		t.Errorf("Subscription of a cancelled purchase: got %v, want ResourceNotFound", err)
	}
	if sub, err := s.Subscription(ctx, first.ID); err != nil || !sub.EndedAt.IsZero() {
		t.Errorf("the subscription a cancelled purchase replaced: got %+v, %v; want it current again", sub, err)
	}
	for _, id := range []string{"pur-unknown", pending.ID} {
		if err := s.FinishPurchase(ctx, id); err != nil {
			t.Errorf("FinishPurchase(%s) of no pending purchase: %v", id, err)
		}
		if err := s.CancelPurchase(ctx, id); err != nil {
			t.Errorf("CancelPurchase(%s) of no pending purchase: %v", id, err)
		}
	}
}

// testConcurrentPurchases: purchases run one at a time, each hold seeing
// what every purchase before it committed. The hold here keeps the
// balance in the store itself (the credit less what the subscriptions
// paid), reading it outside the purchase's transaction as a counter
// would: were two purchases' holds to run together, both would see the
// same balance and spend it twice. The plans are of different groups, so
// that no constraint of the schema stands in for the store's isolation.
// Each hold waits a moment, after reading the balance, for another hold
// to start beside it: in a store that runs purchases one at a time none
// does, and in one that lets them overlap the wait makes them overlap.
func testConcurrentPurchases(t *testing.T, s store.Store) {
	mustBuyer(t, s, "buyer")
	const n = 6
	var plans []model.Plan
	for i := range n {
		g := mustGroup(t, s, fmt.Sprintf("shop%d", i))
		plans = append(plans, mustPlan(t, s, model.Plan{GroupID: g.ID, Name: "pack", PricePerCall: 3, TotalCalls: 10}))
	}
	if _, _, err := s.Recharge(ctx, model.Recharge{Pin: "buyer", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	var holding, overlapped atomic.Int32
	hold := func(price model.Money, _ string) error {
		if holding.Add(1) > 1 {
			overlapped.Add(1)
		}
		defer holding.Add(-1)
		credit, err := s.Credit(ctx, "buyer")
		if err != nil {
			return err
		}
		subs, err := s.ListSubscriptions(ctx, "buyer")
		if err != nil {
			return err
		}
		for _, sub := range subs {
			credit -= sub.Paid
		}
		for wait := 0; wait < 100 && holding.Load() == 1; wait++ {
			time.Sleep(time.Millisecond)
		}
		if credit < price {
			return noBalance(price, "")
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, p := range plans {
		wg.Go(func() {
			_, _, err := s.Purchase(ctx, "buyer", p.ID, hold)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	bought, refused := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			bought++
		case errcode.Has(err, errcode.PurchaseNoBalance):
			refused++
		default:
			t.Errorf("concurrent Purchase: %v", err)
		}
	}
	if n := overlapped.Load(); n > 0 {
		t.Errorf("concurrent purchases: %d holds ran beside another one, want none", n)
	}
	// 100 pays for three packages of 30.
	if bought != 3 || refused != n-3 {
		t.Errorf("%d concurrent purchases of 30 on a balance of 100: %d bought, %d refused; want 3 and %d", n, bought, refused, n-3)
	}
}

// testConcurrentRechargesAtMax: recharges racing to the credit's maximum
// pass until it is reached and no further.
func testConcurrentRechargesAtMax(t *testing.T, s store.Store) {
	mustAccount(t, s, "payer")
	if _, _, err := s.Recharge(ctx, model.Recharge{Pin: "payer", Amount: model.MaxMoney - 5*7}); err != nil {
		t.Fatal(err)
	}
	const n = 20
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
	passed := 0
	for err := range errs {
		var e *errcode.Error
		switch {
		case err == nil:
			passed++
		case errors.As(err, &e) && e.Cond == errcode.ParamValueInvalid && e.Subject == "amount":
		default:
			t.Errorf("concurrent Recharge: %v", err)
		}
	}
	if c, err := s.Credit(ctx, "payer"); err != nil || passed != 5 || c != model.MaxMoney {
		t.Errorf("%d concurrent recharges of 7 with 35 left below MaxMoney: %d passed, credit %d (%v); want 5 and MaxMoney", n, passed, c, err)
	}
}

package admin

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Bills: an account's statement. Its credit is the sum of its recharges
// (the store); what it spent is the use of its balance on the counter
// (balance.go); the lines explain both: recharges, package purchases,
// and per local day and group the calls that pay-per-call plans charged.

// Kinds of bill line.
const (
	lineRecharge = "recharge"
	linePurchase = "purchase"
	lineCalls    = "calls"
)

// billLine is one line of a bill. Amount is signed: a recharge adds to the
// balance, a purchase and calls take from it.
type billLine struct {
	// At is when the line happened: the recharge, the purchase, or for a
	// day's calls the end of the last hour they were charged in (or now,
	// in the current hour), so that the lines read in the order the
	// money moved.
	At     time.Time   `json:"at"`
	Kind   string      `json:"kind"`
	Amount model.Money `json:"amount"`
	// RechargeID is set on a recharge; SubscriptionID, PlanID and
	// GroupID on a purchase; GroupID, Day and Calls (the calls charged)
	// on a day's calls.
	RechargeID     string `json:"rechargeId,omitempty"`
	SubscriptionID string `json:"subscriptionId,omitempty"`
	PlanID         string `json:"planId,omitempty"`
	GroupID        string `json:"groupId,omitempty"`
	Day            string `json:"day,omitempty"`
	Calls          int64  `json:"calls,omitempty"`
}

// bill is the body of GET /v1/accounts/{pin}/bills.
type bill struct {
	Pin     string      `json:"pin"`
	Credit  model.Money `json:"credit"`
	Spent   model.Money `json:"spent"`
	Balance model.Money `json:"balance"`
	Items   []billLine  `json:"items"`
}

// lineOrder ranks the kinds of line of one instant.
var lineOrder = map[string]int{lineRecharge: 0, linePurchase: 1, lineCalls: 2}

func (s *server) bills(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pin := r.PathValue("pin")
	if _, err := s.store.Account(ctx, pin); err != nil {
		return err
	}
	credit, err := s.store.Credit(ctx, pin)
	if err != nil {
		return err
	}
	b := bill{Pin: pin, Credit: credit, Items: []billLine{}}
	if b.Balance, err = s.balance(ctx, pin, credit); err != nil {
		return err
	}
	// What is held for calls in flight counts as spent until they settle.
	b.Spent = credit - b.Balance

	recharges, err := s.store.ListRecharges(ctx, pin)
	if err != nil {
		return err
	}
	for _, rc := range recharges {
		b.Items = append(b.Items, billLine{At: rc.CreatedAt.In(s.zone), Kind: lineRecharge, Amount: rc.Amount, RechargeID: rc.ID})
	}
	subs, err := s.store.ListSubscriptions(ctx, pin)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.Paid > 0 {
			b.Items = append(b.Items, billLine{At: sub.CreatedAt.In(s.zone), Kind: linePurchase, Amount: -sub.Paid,
				SubscriptionID: sub.ID, PlanID: sub.PlanID, GroupID: sub.GroupID})
		}
	}
	calls, err := s.callCharges(r, pin, payPerCallPrices(subs))
	if err != nil {
		return err
	}
	b.Items = append(b.Items, calls...)
	slices.SortStableFunc(b.Items, func(x, y billLine) int {
		return cmp.Or(x.At.Compare(y.At), cmp.Compare(lineOrder[x.Kind], lineOrder[y.Kind]),
			cmp.Compare(x.GroupID, y.GroupID))
	})
	return writeJSON(w, http.StatusOK, b)
}

// callCharges returns one line per local day and group of the calls of
// pin that pay-per-call plans charged, from the usage the counter keeps.
// The usage counts money and successful calls, not charged calls: where
// pin paid one price per call to the group (prices), the calls are the
// money divided by it; otherwise (the price changed with a new plan) the
// successful calls of the hours and keys that were charged, which count
// too many if a package's calls share an hour with charged ones.
func (s *server) callCharges(r *http.Request, pin string, prices map[string]model.Money) ([]billLine, error) {
	now := s.clock.Now()
	rows, err := s.counter.Usage(r.Context(), pin, minQueryTime, now.Add(time.Hour))
	if err != nil {
		return nil, counterFailed(err)
	}
	type key struct{ day, group string }
	lines := map[key]*billLine{}
	var order []key
	for _, row := range rows {
		if row.Charged == 0 {
			continue
		}
		k := key{s.day(row.Hour), row.Group}
		l := lines[k]
		if l == nil {
			l = &billLine{Kind: lineCalls, GroupID: row.Group, Day: k.day}
			lines[k] = l
			order = append(order, k)
		}
		l.Amount -= row.Charged
		l.Calls += row.OK
		if end := row.Hour.Add(time.Hour); end.After(l.At) {
			l.At = end
		}
	}
	out := make([]billLine, 0, len(order))
	for _, k := range order {
		l := lines[k]
		if price := prices[l.GroupID]; price > 0 && -l.Amount%price == 0 {
			l.Calls = -l.Amount / price
		}
		if l.At.After(now) {
			l.At = now
		}
		l.At = l.At.In(s.zone)
		out = append(out, *l)
	}
	return out, nil
}

// payPerCallPrices returns, per group, the price per call of the
// pay-per-call subscriptions among subs when they all have the same, and
// 0 when they differ.
func payPerCallPrices(subs []model.Subscription) map[string]model.Money {
	prices := make(map[string]model.Money)
	for _, sub := range subs {
		if !sub.PayPerCall() {
			continue
		}
		if p, ok := prices[sub.GroupID]; ok && p != sub.PricePerCall {
			prices[sub.GroupID] = 0
			continue
		}
		prices[sub.GroupID] = sub.PricePerCall
	}
	return prices
}

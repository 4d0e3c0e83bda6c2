package model

import "time"

// Money is an amount in minor units of the gateway's one currency (cents,
// fen): integers, never floats, so that a sum of charges is exact.
type Money = int64

// MaxMoney bounds every price, recharge and balance, so that no sum of
// them can overflow an int64 (about 9.2e12 major units of headroom).
const MaxMoney Money = 1 << 53

// MaxCalls bounds a plan's call counts and QPS (what a quota or a rate
// window counts).
const MaxCalls = 1<<32 - 1

// Plan is what the publisher of a group sells in the API market.
//
// A plan with TotalCalls > 0 is a call package: buying it costs
// PricePerCall × TotalCalls, paid from the balance at once, and buys
// TotalCalls successful calls. A plan with TotalCalls == 0 and
// PricePerCall > 0 is pay-per-call: buying it is free, and each successful
// call draws PricePerCall from the balance. A plan with both zero is free.
// DailyLimit (0: none) caps the successful calls of a local day; QPS (0:
// none) caps the subscriber's calls per second.
type Plan struct {
	ID           string `json:"planId"`
	GroupID      string `json:"groupId"`
	Name         string `json:"name"`
	PricePerCall Money  `json:"pricePerCall"`
	DailyLimit   int64  `json:"dailyLimit"`
	TotalCalls   int64  `json:"totalCalls"`
	QPS          int64  `json:"qps"`
	// Withdrawn plans can no longer be bought; subscriptions to them keep
	// working.
	Withdrawn bool      `json:"withdrawn,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks a plan: a name, and every number from 0 to its bound;
// for a call package, a daily limit no greater than its calls and a price
// that fits in MaxMoney (errcode.ArgumentsInconsistent otherwise).
func (p *Plan) Validate() error {
	if err := ValidateName("name", p.Name); err != nil {
		return err
	}
	if p.GroupID == "" {
		return missing("groupId")
	}
	if p.PricePerCall < 0 || p.PricePerCall > MaxMoney {
		return invalid("pricePerCall", "%d: from 0 to %d minor units", p.PricePerCall, MaxMoney)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"dailyLimit", p.DailyLimit}, {"totalCalls", p.TotalCalls}, {"qps", p.QPS}} {
		if f.v < 0 || f.v > MaxCalls {
			return invalid(f.name, "%d: from 0 (none) to %d", f.v, int64(MaxCalls))
		}
	}
	if p.TotalCalls > 0 && p.DailyLimit > p.TotalCalls {
		return inconsistent("dailyLimit", "%d is above the totalCalls %d", p.DailyLimit, p.TotalCalls)
	}
	if p.TotalCalls > 0 && p.PricePerCall > 0 && p.PricePerCall > MaxMoney/p.TotalCalls {
		return inconsistent("pricePerCall", "the package price %d × %d is above %d", p.PricePerCall, p.TotalCalls, MaxMoney)
	}
	return nil
}

// PackagePrice is what buying the plan costs: PricePerCall × TotalCalls
// for a call package, zero otherwise.
func (p *Plan) PackagePrice() Money {
	if p.TotalCalls > 0 {
		return p.PricePerCall * p.TotalCalls
	}
	return 0
}

// PayPerCall reports whether each successful call draws the balance.
func (p *Plan) PayPerCall() bool { return p.TotalCalls == 0 && p.PricePerCall > 0 }

// Subscription is an account's purchase of a plan. It keeps the plan's
// terms as they were bought, so that a later change of the plan does not
// change what was paid for. A pin has at most one subscription per group;
// buying another plan of the group replaces it.
type Subscription struct {
	ID           string `json:"subscriptionId"`
	Pin          string `json:"pin"`
	PlanID       string `json:"planId"`
	GroupID      string `json:"groupId"`
	PricePerCall Money  `json:"pricePerCall"`
	DailyLimit   int64  `json:"dailyLimit"`
	TotalCalls   int64  `json:"totalCalls"`
	QPS          int64  `json:"qps"`
	// Paid is the package price paid at purchase.
	Paid      Money     `json:"paid"`
	CreatedAt time.Time `json:"createdAt"`
	// EndedAt is when another plan of the group replaced the
	// subscription, or the group was deleted; zero while it is the pin's
	// subscription to the group.
	EndedAt time.Time `json:"endedAt,omitzero"`
}

// PayPerCall reports whether each successful call draws the balance.
func (s *Subscription) PayPerCall() bool { return s.TotalCalls == 0 && s.PricePerCall > 0 }

// Terms copies the plan's terms into a subscription for pin.
func (p *Plan) Terms(pin string) Subscription {
	return Subscription{
		Pin: pin, PlanID: p.ID, GroupID: p.GroupID,
		PricePerCall: p.PricePerCall, DailyLimit: p.DailyLimit, TotalCalls: p.TotalCalls, QPS: p.QPS,
		Paid: p.PackagePrice(),
	}
}

// Recharge adds Amount to an account's credit.
type Recharge struct {
	ID        string    `json:"rechargeId"`
	Pin       string    `json:"pin"`
	Amount    Money     `json:"amount"`
	CreatedAt time.Time `json:"createdAt"`
}

// ValidateAmount checks a recharge amount: 1 to MaxMoney.
func ValidateAmount(amount Money) error {
	if amount < 1 || amount > MaxMoney {
		return invalid("amount", "%d: from 1 to %d minor units", amount, MaxMoney)
	}
	return nil
}

// Market is what the data plane needs of the API market: every plan, every
// subscription, and each account's credit (the sum of its recharges; its
// spend is counted by the counters, not stored).
type Market struct {
	Plans         []Plan
	Subscriptions []Subscription
	Credits       map[string]Money
}

// ValidateQuota checks an authorization's quota settings: 0 (none) to
// MaxCalls each, and a daily limit no greater than the calls in all
// (errcode.ArgumentsInconsistent).
func (a *Authorization) ValidateQuota() error {
	if a.DailyLimit < 0 || a.DailyLimit > MaxCalls {
		return invalid("dailyLimit", "%d: from 0 (none) to %d", a.DailyLimit, int64(MaxCalls))
	}
	if a.TotalCalls < 0 || a.TotalCalls > MaxCalls {
		return invalid("totalCalls", "%d: from 0 (none) to %d", a.TotalCalls, int64(MaxCalls))
	}
	if a.TotalCalls > 0 && a.DailyLimit > a.TotalCalls {
		return inconsistent("dailyLimit", "%d is above the totalCalls %d", a.DailyLimit, a.TotalCalls)
	}
	return nil
}

// Group statuses.
const (
	GroupActive    = "active"
	GroupSuspended = "suspended"
)

// MarketActions are the admin actions of the API market. They are part of
// Actions.
var MarketActions = []string{"plans.create", "plans.read", "plans.update", "subscriptions.create", "subscriptions.read", "accounts.recharge", "bills.read", "usage.read"}

func init() { Actions = append(Actions, MarketActions...) }

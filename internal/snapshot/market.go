package snapshot

import (
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Quotas are the call quotas of one authorization or subscription: the
// successful calls of a local day, and of all time. A quota whose Limit is
// zero is not set. The counters are named by the authorization's or the
// subscription's id, so they keep counting across snapshots and across
// the environments a subscription covers: Key{scope + " daily", id} and
// Key{scope + " total", id}, scope being "authz" or "sub". The two need
// keys of their own: a counter keeps one state per key, whatever the
// period.
type Quotas struct {
	Daily limit.Quota
	Total limit.Quota
}

// Any reports whether a quota is set.
func (q *Quotas) Any() bool { return q != nil && (q.Daily.Limit > 0 || q.Total.Limit > 0) }

// newQuotas names the quotas of scope ("authz" or "sub") id.
func newQuotas(scope, id string, daily, total int64, zone *time.Location) Quotas {
	return Quotas{
		Daily: limit.Quota{Key: limit.Key{Scope: scope + " daily", ID: id}, Limit: daily, Period: limit.Daily(zone)},
		Total: limit.Quota{Key: limit.Key{Scope: scope + " total", ID: id}, Limit: total, Period: limit.Total},
	}
}

// Market is the API market of one group: its plans and the subscriptions
// to them, by pin. Every environment of the group shares it. A group with
// a Market admits callers by subscription, not by authorization.
type Market struct {
	Plans map[string]*model.Plan
	subs  map[string]*Subscription
}

// Subscription is a compiled subscription: its terms, and the counters
// they are counted under.
type Subscription struct {
	model.Subscription
	// Quotas are the plan's daily limit and call package.
	Quotas Quotas
	// Rate is the plan's QPS (Limit zero: none), counted under RateKey.
	Rate    limit.Rate
	RateKey limit.Key
	// Balance is, for a pay-per-call plan, the subscriber's balance: a
	// Total quota whose Limit is the account's credit (see package limit);
	// zero Limit for other plans.
	Balance limit.Quota
}

// Subscription returns pin's subscription to the group.
func (m *Market) Subscription(pin string) (*Subscription, bool) {
	if m == nil {
		return nil, false
	}
	s, ok := m.subs[pin]
	return s, ok
}

// BalanceQuota is the balance of pin with credit as a limit.Quota: what a
// pay-per-call charge and a package purchase draw from. The data plane
// and the admin API both count a balance under this one key.
func BalanceQuota(pin string, credit model.Money) limit.Quota {
	return limit.Quota{Key: limit.Key{Scope: limit.BalanceScope, ID: pin}, Limit: credit, Period: limit.Total}
}

// addMarket gives every environment of each group with a plan the group's
// Market. Plans and subscriptions of groups the snapshot does not serve
// are skipped; a subscription to an unknown plan is an error.
func (s *Snapshot) addMarket(m *model.Market, zone *time.Location) error {
	if len(m.Plans) == 0 {
		return nil
	}
	markets := make(map[string]*Market)
	plans := make(map[string]*model.Plan, len(m.Plans))
	for i := range m.Plans {
		p := &m.Plans[i]
		plans[p.ID] = p
		mk := markets[lower(p.GroupID)]
		if mk == nil {
			mk = &Market{Plans: make(map[string]*model.Plan), subs: make(map[string]*Subscription)}
			markets[lower(p.GroupID)] = mk
		}
		mk.Plans[p.ID] = p
	}
	var errs []error
	for _, sub := range m.Subscriptions {
		if !sub.EndedAt.IsZero() {
			continue
		}
		if plans[sub.PlanID] == nil {
			errs = append(errs, fmt.Errorf("subscription %s: %w", sub.ID,
				errcode.Newf(errcode.ResourceNotFound, "plan %s", sub.PlanID)))
			continue
		}
		mk := markets[lower(sub.GroupID)]
		if mk == nil {
			continue
		}
		c := &Subscription{
			Subscription: sub,
			Quotas:       newQuotas("sub", sub.ID, sub.DailyLimit, sub.TotalCalls, zone),
			RateKey:      limit.Key{Scope: "sub qps", ID: sub.ID},
		}
		if sub.QPS > 0 {
			c.Rate = limit.PerSecond(sub.QPS)
		}
		if sub.PayPerCall() {
			c.Balance = BalanceQuota(sub.Pin, m.Credits[sub.Pin])
		}
		mk.subs[sub.Pin] = c
	}
	for k, e := range s.envs {
		if mk := markets[k.group]; mk != nil {
			e.Market = mk
		}
	}
	return errors.Join(errs...)
}

package store

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Id prefixes of the API market.
const (
	PlanIDPrefix         = "plan-"
	SubscriptionIDPrefix = "sub-"
	RechargeIDPrefix     = "rc-"
)

// Market keeps the API market: the plans groups sell, the accounts'
// subscriptions to them, and the recharges that make up each account's
// credit. What an account spent is counted by the counters (package
// limit), not here: the credit is the balance's limit, the spend its use.
// An unknown plan is errcode.ResourceNotFound "plan P", an unknown
// subscription "subscription S", an unknown pin in the path of a read
// (ListSubscriptions, ListRecharges, Credit) "account P"; a pin named by
// what is written (CreateSubscription, Recharge) that is no account is
// errcode.PinInvalid with Subject "pin". Lists are in creation order, and
// never nil.
//
// Deleting a group deletes its plans and ends (sets EndedAt on) the
// subscriptions to it that had not ended: a subscription is the record of
// a purchase, so it outlives its plan and its group.
type Market interface {
	// CreatePlan stores p under a new id. The group must exist
	// (errcode.ResourceNotFound "group G"); a name the group's plans
	// already have is errcode.RecordConflict with Subject "name"; an
	// invalid plan (see model.Plan.Validate) is refused as it says.
	CreatePlan(ctx context.Context, p model.Plan) (model.Plan, error)
	// Plan returns the plan with id.
	Plan(ctx context.Context, id string) (model.Plan, error)
	// ListPlans returns the plans of a group (errcode.ResourceNotFound
	// "group G" if there is none), withdrawn ones included.
	ListPlans(ctx context.Context, groupID string) ([]model.Plan, error)
	// UpdatePlan is to plans what UpdateGroup is to groups. Only the
	// name and Withdrawn may change: subscribers bought the other terms.
	// The id, the group and the creation time are kept whatever update
	// does; a changed pricePerCall, dailyLimit, totalCalls or qps is
	// errcode.ParamValueInvalid with the field as Subject, and a name
	// another plan of the group has errcode.RecordConflict "name".
	UpdatePlan(ctx context.Context, id string, update func(*model.Plan) error) (model.Plan, error)

	// CreateSubscription stores a subscription of s.Pin to the plan
	// s.PlanID under a new id, and ends (sets EndedAt on) the pin's
	// previous subscription to the plan's group, in one transaction: a
	// pin has at most one subscription per group that has not ended. The
	// terms stored are the plan's as stored (s's own are ignored, so
	// model.Plan.Terms is the way to make s); Paid is stored as given.
	// An empty pin or plan id is errcode.ArgumentNotFound ("pin",
	// "planId"); a pin that is no account errcode.PinInvalid; an unknown
	// plan errcode.ResourceNotFound "plan P"; a GroupID that is set and
	// is not the plan's errcode.ParentMismatch; a Paid out of 0 to
	// model.MaxMoney errcode.ParamValueInvalid "paid". The caller has
	// checked the rest (real-name verification, balance, a withdrawn
	// plan): the store does not refuse a withdrawn plan.
	CreateSubscription(ctx context.Context, s model.Subscription) (model.Subscription, error)
	// Subscription returns the subscription with id.
	Subscription(ctx context.Context, id string) (model.Subscription, error)
	// ListSubscriptions returns every subscription of pin, ended ones
	// included.
	ListSubscriptions(ctx context.Context, pin string) ([]model.Subscription, error)

	// Recharge stores a recharge of r.Amount to the account r.Pin and
	// returns it with the account's credit after it. An amount that
	// model.ValidateAmount refuses, or one that would take the credit
	// above model.MaxMoney, is errcode.ParamValueInvalid "amount"; a pin
	// that is no account errcode.PinInvalid. A refused recharge stores
	// nothing.
	Recharge(ctx context.Context, r model.Recharge) (model.Recharge, model.Money, error)
	// ListRecharges returns every recharge of pin.
	ListRecharges(ctx context.Context, pin string) ([]model.Recharge, error)
	// Credit returns the sum of pin's recharges, 0 when it has none.
	Credit(ctx context.Context, pin string) (model.Money, error)
}

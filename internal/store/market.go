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
// subscription "subscription S".
type Market interface {
	// CreatePlan stores p under a new id. The group must exist
	// (errcode.ResourceNotFound "group G"); a name the group's plans
	// already have is errcode.RecordConflict; an invalid plan (see
	// model.Plan.Validate) is refused as it says.
	CreatePlan(ctx context.Context, p model.Plan) (model.Plan, error)
	// Plan returns the plan with id.
	Plan(ctx context.Context, id string) (model.Plan, error)
	// ListPlans returns the plans of a group, in creation order.
	ListPlans(ctx context.Context, groupID string) ([]model.Plan, error)
	// UpdatePlan is to plans what UpdateGroup is to groups. Only the
	// name and Withdrawn may change: subscribers bought the other terms.
	UpdatePlan(ctx context.Context, id string, update func(*model.Plan) error) (model.Plan, error)

	// CreateSubscription stores s under a new id as pin's subscription to
	// the group, and ends (sets EndedAt on) the pin's previous
	// subscription to that group, in one transaction. The account and
	// the plan must exist; the caller has checked the rest (real-name
	// verification, balance, a withdrawn plan).
	CreateSubscription(ctx context.Context, s model.Subscription) (model.Subscription, error)
	// Subscription returns the subscription with id.
	Subscription(ctx context.Context, id string) (model.Subscription, error)
	// ListSubscriptions returns every subscription of pin, ended ones
	// included, in creation order.
	ListSubscriptions(ctx context.Context, pin string) ([]model.Subscription, error)

	// Recharge stores a recharge of r.Amount (model.ValidateAmount) to the
	// account r.Pin (errcode.PinInvalid if there is none) and returns it
	// with the account's credit after it.
	Recharge(ctx context.Context, r model.Recharge) (model.Recharge, model.Money, error)
	// ListRecharges returns every recharge of pin, in creation order.
	ListRecharges(ctx context.Context, pin string) ([]model.Recharge, error)
	// Credit returns the sum of pin's recharges.
	Credit(ctx context.Context, pin string) (model.Money, error)
}

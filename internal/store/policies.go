package store

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// PolicyIDPrefix prefixes the ids of traffic policies.
const PolicyIDPrefix = "pol-"

// MaxPolicyBindings is how many group environments one policy may be bound
// to. Binding it to one more is errcode.BindGroupTooMuch; a group
// environment itself has at most one policy, since binding another one
// replaces it.
const MaxPolicyBindings = 50

// Policies keeps traffic policies and their bindings to group
// environments. An unknown policy is errcode.ResourceNotFound "policy P".
type Policies interface {
	// CreatePolicy stores p under a new id. A name any policy has is
	// errcode.PolicyNameRepeat; an invalid policy (see
	// model.Policy.Validate) is refused as it says.
	CreatePolicy(ctx context.Context, p model.Policy) (model.Policy, error)
	// Policy returns the policy with id.
	Policy(ctx context.Context, id string) (model.Policy, error)
	// ListPolicies returns one page of the policies of owner ("" with
	// all set: every policy) and how many there are.
	ListPolicies(ctx context.Context, owner string, all bool, p Page) ([]model.Policy, int, error)
	// UpdatePolicy is to policies what UpdateGroup is to groups, with the
	// rules of CreatePolicy. Its id, owner and creation time cannot
	// change.
	UpdatePolicy(ctx context.Context, id string, update func(*model.Policy) error) (model.Policy, error)
	// DeletePolicy deletes a policy. It is errcode.DeleteWhileBound while
	// the policy is bound to a group environment.
	DeletePolicy(ctx context.Context, id string) error

	// BindPolicy binds policy b.PolicyID to the group environment b
	// names, replacing the policy bound there before, if any. The group
	// must exist (errcode.ResourceNotFound "group G"); a policy bound to
	// MaxPolicyBindings group environments already is
	// errcode.BindGroupTooMuch. Binding again where it is bound changes
	// nothing.
	BindPolicy(ctx context.Context, b model.PolicyBinding) (model.PolicyBinding, error)
	// PolicyBindings returns the bindings of a policy, in creation order.
	PolicyBindings(ctx context.Context, policyID string) ([]model.PolicyBinding, error)
	// UnbindPolicy removes the binding of a policy to a group
	// environment; a binding that does not exist is
	// errcode.ResourceNotFound "binding G/E".
	UnbindPolicy(ctx context.Context, policyID, groupID string, env model.Environment) error

	// LoadPolicies returns, from one consistent read, every policy and
	// every binding: what the data plane compiles. Deleting a group
	// deletes its bindings.
	LoadPolicies(ctx context.Context) (model.Policies, error)
}

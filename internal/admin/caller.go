package admin

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// caller is who makes an admin call: the operator (the admin token), or
// an account, or a user of an account, by a signed request.
type caller struct {
	operator bool
	// account is the account acted as; zero for the operator.
	account model.Account
	// user is the user acted as, "" for the account itself.
	user string
	// role is the user's role; nil for the account and for a user with
	// none, who may do nothing.
	role *model.Role
	// key is the key the call was signed with.
	key model.Key
}

// pin returns the pin of the account acted as, "" for the operator.
func (c *caller) pin() string { return c.account.Pin }

// isUser reports whether the caller is a user (a child account).
func (c *caller) isUser() bool { return c.user != "" }

type callerKey struct{}

// withCaller returns ctx carrying c.
func withCaller(ctx context.Context, c *caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerOf returns the caller of an authenticated request; the operator
// for a request that carries none, which only tests of single handlers
// make.
func callerOf(ctx context.Context) *caller {
	if c, ok := ctx.Value(callerKey{}).(*caller); ok {
		return c
	}
	return &caller{operator: true}
}

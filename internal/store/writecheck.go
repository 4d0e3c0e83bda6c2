package store

import (
	"context"
	"sync/atomic"
)

// A write check is a condition a write must meet when it happens, not
// only when it was asked for: the admin API's If-Match (the resource is
// still at the version the client read), which two concurrent edits must
// not both pass.
//
// The store runs it inside the write transaction of the first write made
// with the context, once it holds the write lock and before the write's
// own statements: no other write can commit between the check and the
// change, so a check that reads the store (through its ordinary reads,
// which see everything committed) sees the state the write changes.
// An error from the check is returned as it is, and nothing is written.

type writeCheckKey struct{}

// writeCheck is a check and whether it has run.
type writeCheck struct {
	check func(context.Context) error
	ran   atomic.Bool
}

// WithWriteCheck returns ctx carrying check, which the store runs once,
// in the first write transaction made with the context (see above). The
// check must only read: a write from it would wait for the lock its own
// transaction holds. Its reads take a connection of the store's read pool
// (package sqlite's and package postgres's are apart from the writer's),
// never the one the waiting write holds.
func WithWriteCheck(ctx context.Context, check func(context.Context) error) context.Context {
	return context.WithValue(ctx, writeCheckKey{}, &writeCheck{check: check})
}

// RunWriteCheck runs the write check ctx carries, if it has not run yet;
// implementations call it in every write transaction once they hold the
// write lock. The check runs with a context that carries none, so that
// what it reads cannot start it again.
func RunWriteCheck(ctx context.Context) error {
	wc, ok := ctx.Value(writeCheckKey{}).(*writeCheck)
	if !ok || wc.ran.Swap(true) {
		return nil
	}
	return wc.check(context.WithValue(ctx, writeCheckKey{}, nil))
}

package auth

import (
	"errors"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// keyring is a Keys for tests: access key → secrets, newest first.
type keyring map[string][][]byte

func (k keyring) Key(ak string) (Key, bool) {
	s, ok := k[ak]
	return Key{AccessKey: ak, Secrets: s}, ok
}

// condOf returns the condition of err, or nil when err is not an
// *errcode.Error.
func condOf(err error) *errcode.Condition {
	var e *errcode.Error
	if errors.As(err, &e) {
		return e.Cond
	}
	return nil
}

// wantCond fails t unless err is an *errcode.Error of want.
func wantCond(t *testing.T, err error, want *errcode.Condition) {
	t.Helper()
	if got := condOf(err); got != want {
		t.Fatalf("err = %v (condition %v), want condition %s", err, got, want.Name)
	}
}

package auth

import "github.com/tollgate-gw/tollgate/internal/errcode"

// refuse returns an error of cond about subject, with a detail that says
// what is wrong with it. A detail never carries anything derived from a
// secret: no computed signature, string to sign or canonical request, not
// even its hash, since each of those would let a caller search for a
// signature without the key.
func refuse(cond *errcode.Condition, subject, detail string) *errcode.Error {
	return &errcode.Error{Cond: cond, Subject: subject, Detail: detail}
}

package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// accountRequest is the body of POST /v1/accounts and PATCH
// /v1/accounts/{pin}. Pin is taken on creation only; Dialect and Language
// are what the account's admin answers default to (answer.go).
type accountRequest struct {
	Pin              *string              `json:"pin"`
	Name             *string              `json:"name"`
	Status           *model.AccountStatus `json:"status"`
	RealNameVerified *bool                `json:"realNameVerified"`
	Dialect          *errcode.Dialect     `json:"dialect"`
	Language         *errcode.Lang        `json:"language"`
}

// apply sets the fields present in req on a.
func (req *accountRequest) apply(a *model.Account) {
	set(&a.Name, req.Name)
	set(&a.Status, req.Status)
	set(&a.RealNameVerified, req.RealNameVerified)
	set(&a.Dialect, req.Dialect)
	set(&a.Language, req.Language)
	a.ApplyDefaults()
}

func (s *server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var req accountRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	var a model.Account
	set(&a.Pin, req.Pin)
	req.apply(&a)
	a, err := s.store.CreateAccount(r.Context(), a)
	if err != nil {
		return err
	}
	return created(w, "/v1/accounts/"+a.Pin, a)
}

func (s *server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	accounts, total, err := s.store.ListAccounts(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "accounts", accounts))
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.Account(r.Context(), r.PathValue("pin"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// updateAccount changes an account's name and the dialect and language
// of its answers; its status and real-name verification are the
// operator's to set, not the account's own.
func (s *server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	var req accountRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Pin != nil {
		return errArgumentNotSupport("pin")
	}
	if !callerOf(r.Context()).operator && (req.Status != nil || req.RealNameVerified != nil) {
		return forbidden()
	}
	a, err := s.store.UpdateAccount(r.Context(), r.PathValue("pin"), func(a *model.Account) error {
		req.apply(a)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

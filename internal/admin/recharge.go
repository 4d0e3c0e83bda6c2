package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// rechargeRequest is the body of POST /v1/accounts/{pin}/recharge: an
// integer number of minor units. Only the operator recharges (the route
// is scopeOperator): an account topping itself up would be free money.
type rechargeRequest struct {
	Amount *model.Money `json:"amount"`
}

// rechargeResult is what a recharge answers: the recharge, the account's
// credit after it, and its balance (the credit less what it spent).
type rechargeResult struct {
	Recharge model.Recharge `json:"recharge"`
	Credit   model.Money    `json:"credit"`
	// Balance is nil when the counters could not say (afterBalance).
	Balance *model.Money `json:"balance,omitempty"`
}

func (s *server) recharge(w http.ResponseWriter, r *http.Request) error {
	var req rechargeRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Amount == nil {
		return errcode.New(errcode.ArgumentNotFound, "amount")
	}
	if err := model.ValidateAmount(*req.Amount); err != nil {
		return err
	}
	pin := r.PathValue("pin")
	rc, credit, err := s.store.Recharge(r.Context(), model.Recharge{Pin: pin, Amount: *req.Amount})
	if err != nil {
		return err
	}
	// The credit is the balance's limit in the snapshot: the data plane
	// must see it before the answer, like every other change.
	return writeJSON(w, http.StatusCreated, rechargeResult{Recharge: rc, Credit: credit,
		Balance: s.afterBalance(r.Context(), pin, credit)})
}

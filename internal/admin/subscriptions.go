package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Subscriptions: an account's purchases of plans (purchase.go buys). An
// account buys and sees only its own; a user acts for its account with
// the subscriptions.* actions; the operator buys for and sees any
// account. Another account's subscription, existing or not, is
// Forbidden.

// subscriptionRequest is the body of POST /v1/subscriptions. Pin may be
// left out by an account buying for itself.
type subscriptionRequest struct {
	Pin    string `json:"pin"`
	PlanID string `json:"planId"`
}

// subscriptionPin returns the account a call about subscriptions names:
// pin, or the caller's own when pin is empty. An account may name only
// itself; the operator must name one.
func subscriptionPin(c *caller, pin string) (string, error) {
	switch {
	case c.operator && pin == "":
		return "", errcode.New(errcode.ArgumentNotFound, "pin")
	case c.operator:
		return pin, nil
	case pin != "" && pin != c.pin():
		return "", forbidden()
	}
	return c.pin(), nil
}

func (s *server) createSubscription(w http.ResponseWriter, r *http.Request) error {
	var req subscriptionRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	pin, err := subscriptionPin(callerOf(r.Context()), req.Pin)
	if err != nil {
		return err
	}
	if req.PlanID == "" {
		return errcode.New(errcode.ArgumentNotFound, "planId")
	}
	p, err := s.purchase(r.Context(), pin, req.PlanID)
	if err != nil {
		return err
	}
	return created(w, "/v1/subscriptions/"+p.Subscription.ID, p)
}

func (s *server) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	pin, err := subscriptionPin(callerOf(r.Context()), r.URL.Query().Get("pin"))
	if err != nil {
		return err
	}
	subs, err := s.store.ListSubscriptions(r.Context(), pin)
	if err != nil {
		return err
	}
	if subs == nil {
		subs = []model.Subscription{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"totalCount": len(subs), "subscriptions": subs})
}

func (s *server) getSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.store.Subscription(r.Context(), r.PathValue("subscriptionId"))
	c := callerOf(r.Context())
	switch {
	case c.operator:
	case errcode.Has(err, errcode.ResourceNotFound) || err == nil && sub.Pin != c.pin():
		return forbidden()
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sub)
}

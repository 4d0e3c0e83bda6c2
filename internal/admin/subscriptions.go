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
// Hidden.

// subscriptionRequest is the body of POST /v1/subscriptions. Pin may be
// left out by an account buying for itself. GroupID, when given, names the
// group the subscription is to, which must be the plan's.
type subscriptionRequest struct {
	Pin     string `json:"pin"`
	PlanID  string `json:"planId"`
	GroupID string `json:"groupId"`
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
		return "", hidden()
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
	if req.GroupID != "" {
		if err := s.planOfGroup(r, req.PlanID, req.GroupID); err != nil {
			return err
		}
	}
	p, err := s.purchase(r.Context(), pin, req.PlanID)
	if err != nil {
		return err
	}
	return created(w, "/v1/subscriptions/"+p.Subscription.ID, p)
}

// planOfGroup refuses, errcode.ParentMismatch, a subscription to group
// groupID with a plan of another group. A plan the caller cannot see (one
// that does not exist, or is withdrawn and not its own) is left to the
// purchase to refuse, as it refuses it without a group.
func (s *server) planOfGroup(r *http.Request, planID, groupID string) error {
	p, err := s.store.Plan(r.Context(), planID)
	if errcode.Has(err, errcode.ResourceNotFound) || err == nil && p.GroupID == groupID {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Withdrawn {
		g, err := s.store.Group(r.Context(), p.GroupID)
		if err != nil {
			return err
		}
		if !seesWithdrawn(callerOf(r.Context()), g) {
			return nil
		}
	}
	return &errcode.Error{Cond: errcode.ParentMismatch, Subject: "groupId",
		Detail: "the plan " + p.ID + " is a plan of group " + p.GroupID + ", not of group " + groupID}
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
		return hidden()
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sub)
}

package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// authorizationRequest is the body of POST .../authorizations: a key, or
// a pin (every key of the account and its users), on one environment,
// optionally for some APIs only, optionally with quotas of successful
// calls per local day and in all (0: none; the store checks them with
// model.Authorization.ValidateQuota).
type authorizationRequest struct {
	Environment model.Environment `json:"environment"`
	AccessKey   string            `json:"accessKey"`
	Pin         string            `json:"pin"`
	APIs        []string          `json:"apis"`
	DailyLimit  int64             `json:"dailyLimit"`
	TotalCalls  int64             `json:"totalCalls"`
}

func (s *server) createAuthorization(w http.ResponseWriter, r *http.Request) error {
	var req authorizationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	a, err := s.store.CreateAuthorization(r.Context(), model.Authorization{
		GroupID:     r.PathValue("groupId"),
		Environment: req.Environment,
		AccessKey:   req.AccessKey,
		Pin:         req.Pin,
		APIs:        req.APIs,
		DailyLimit:  req.DailyLimit,
		TotalCalls:  req.TotalCalls,
	})
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+a.GroupID+"/authorizations/"+a.ID, a)
}

func (s *server) listAuthorizations(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListAuthorizations(r.Context(), r.PathValue("groupId"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "authorizations", out))
}

func (s *server) getAuthorization(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.Authorization(r.Context(), r.PathValue("groupId"), r.PathValue("authorizationId"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *server) deleteAuthorization(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteAuthorization(r.Context(), r.PathValue("groupId"), r.PathValue("authorizationId")); err != nil {
		return err
	}
	return noContent(w)
}

package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Plans: what a group sells in the API market (model.Plan says what the
// numbers mean). The group's owner and the operator create and change
// them; every authenticated caller reads them, since the market is public
// to accounts, but only the owner and the operator see withdrawn ones.

// planRequest is the body of POST /v1/groups/{groupId}/plans. Money is in
// integer minor units: a fraction is refused by decode.
type planRequest struct {
	Name         string      `json:"name"`
	PricePerCall model.Money `json:"pricePerCall"`
	DailyLimit   int64       `json:"dailyLimit"`
	TotalCalls   int64       `json:"totalCalls"`
	QPS          int64       `json:"qps"`
}

// planPatch is the body of PATCH /v1/groups/{groupId}/plans/{planId}.
// Only the name and withdrawal change: subscribers bought the other
// terms, so another price is another plan.
type planPatch struct {
	Name      *string `json:"name"`
	Withdrawn *bool   `json:"withdrawn"`
}

// groupPlan returns the plan of the path, which must be of the path's
// group.
func (s *server) groupPlan(r *http.Request) (model.Plan, error) {
	id := r.PathValue("planId")
	p, err := s.store.Plan(r.Context(), id)
	if err == nil && p.GroupID != r.PathValue("groupId") {
		return model.Plan{}, errcode.New(errcode.ResourceNotFound, "plan "+id)
	}
	return p, err
}

// seesWithdrawn reports whether c sees the withdrawn plans of g: its
// owner and the operator do, shoppers do not.
func seesWithdrawn(c *caller, g model.Group) bool {
	return c.operator || g.Owner != "" && g.Owner == c.pin()
}

func (s *server) createPlan(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	p, err := s.store.CreatePlan(r.Context(), model.Plan{
		GroupID:      r.PathValue("groupId"),
		Name:         req.Name,
		PricePerCall: req.PricePerCall,
		DailyLimit:   req.DailyLimit,
		TotalCalls:   req.TotalCalls,
		QPS:          req.QPS,
	})
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+p.GroupID+"/plans/"+p.ID, p)
}

func (s *server) listPlans(w http.ResponseWriter, r *http.Request) error {
	g, err := s.store.Group(r.Context(), r.PathValue("groupId"))
	if err != nil {
		return err
	}
	plans, err := s.store.ListPlans(r.Context(), g.ID)
	if err != nil {
		return err
	}
	out := []model.Plan{}
	all := seesWithdrawn(callerOf(r.Context()), g)
	for _, p := range plans {
		if all || !p.Withdrawn {
			out = append(out, p)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"totalCount": len(out), "plans": out})
}

func (s *server) getPlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.groupPlan(r)
	if err != nil {
		return err
	}
	if p.Withdrawn {
		g, err := s.store.Group(r.Context(), p.GroupID)
		if err != nil {
			return err
		}
		if !seesWithdrawn(callerOf(r.Context()), g) {
			return errcode.New(errcode.ResourceNotFound, "plan "+p.ID)
		}
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *server) updatePlan(w http.ResponseWriter, r *http.Request) error {
	var req planPatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if _, err := s.groupPlan(r); err != nil {
		return err
	}
	p, err := s.store.UpdatePlan(r.Context(), r.PathValue("planId"), func(p *model.Plan) error {
		set(&p.Name, req.Name)
		set(&p.Withdrawn, req.Withdrawn)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

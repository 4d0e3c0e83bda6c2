package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Traffic policies. A policy belongs to the account that created it
// (Owner "" for the admin token): an account sees, changes, binds and
// deletes only its own, and binds them only to its own groups; the
// operator acts on every policy and every group. Another tenant's policy,
// existing or not, is Hidden, like another tenant's group. A user acts
// for its account as its role allows: the policies.* actions, and for a
// binding a role that covers the group.

// policyRequest is the body of POST and PATCH /v1/policies[/{policyId}].
// Every field is a pointer so that PATCH changes only the fields present.
type policyRequest struct {
	Name      *string     `json:"name"`
	Unit      *model.Unit `json:"unit"`
	APILimit  *int64      `json:"apiLimit"`
	UserLimit *int64      `json:"userLimit"`
	KeyLimit  *int64      `json:"keyLimit"`
	// Owner is the operator's to set, when creating a policy for an
	// account; an account's policies are its own.
	Owner *string `json:"owner"`
}

func (req *policyRequest) apply(p *model.Policy) {
	set(&p.Name, req.Name)
	set(&p.Unit, req.Unit)
	set(&p.APILimit, req.APILimit)
	set(&p.UserLimit, req.UserLimit)
	set(&p.KeyLimit, req.KeyLimit)
}

// bindingRequest is the body of POST /v1/policies/{policyId}/bindings.
type bindingRequest struct {
	GroupID     string            `json:"groupId"`
	Environment model.Environment `json:"environment"`
}

// ownPolicy returns the policy of the path if the caller may act on it.
func (s *server) ownPolicy(r *http.Request) (model.Policy, error) {
	c := callerOf(r.Context())
	p, err := s.store.Policy(r.Context(), r.PathValue("policyId"))
	switch {
	case c.operator:
		return p, err
	case errcode.Has(err, errcode.ResourceNotFound) || err == nil && p.Owner != c.pin():
		return model.Policy{}, hidden()
	}
	return p, err
}

func (s *server) createPolicy(w http.ResponseWriter, r *http.Request) error {
	var req policyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c := callerOf(r.Context())
	if req.Owner != nil && !c.operator {
		return forbidden()
	}
	var p model.Policy
	req.apply(&p)
	p.Owner = c.pin()
	if req.Owner != nil {
		p.Owner = *req.Owner
	}
	p, err := s.store.CreatePolicy(r.Context(), p)
	if err != nil {
		return err
	}
	return created(w, "/v1/policies/"+p.ID, p)
}

func (s *server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	c := callerOf(r.Context())
	ps, total, err := s.store.ListPolicies(r.Context(), c.pin(), c.operator, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "policies", ps))
}

func (s *server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPolicy(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *server) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	var req policyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if _, err := s.ownPolicy(r); err != nil {
		return err
	}
	if req.Owner != nil {
		return errArgumentNotSupport("owner") // a policy stays its owner's
	}
	p, err := s.store.UpdatePolicy(r.Context(), r.PathValue("policyId"), func(p *model.Policy) error {
		req.apply(p)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *server) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ownPolicy(r); err != nil {
		return err
	}
	if err := s.store.DeletePolicy(r.Context(), r.PathValue("policyId")); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) bindPolicy(w http.ResponseWriter, r *http.Request) error {
	var req bindingRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	p, err := s.ownPolicy(r)
	if err != nil {
		return err
	}
	b := model.PolicyBinding{PolicyID: p.ID, GroupID: req.GroupID, Environment: req.Environment}
	if err := b.Validate(); err != nil {
		return err
	}
	if c := callerOf(r.Context()); !c.operator {
		g, err := s.store.Group(r.Context(), b.GroupID)
		switch {
		case errcode.Has(err, errcode.ResourceNotFound) || err == nil && g.Owner != c.pin():
			return hidden()
		case err != nil:
			return err
		case c.isUser() && (c.role == nil || !c.role.AllowsGroup(g.ID)):
			return errcode.Newf(errcode.RoleNotAllowed, "the user's role does not cover group %s", g.ID)
		}
	}
	b, err = s.store.BindPolicy(r.Context(), b)
	if err != nil {
		return err
	}
	return created(w, "/v1/policies/"+p.ID+"/bindings/"+b.GroupID+"/"+string(b.Environment), b)
}

func (s *server) listPolicyBindings(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPolicy(r)
	if err != nil {
		return err
	}
	bs, err := s.store.PolicyBindings(r.Context(), p.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"totalCount": len(bs), "bindings": bs})
}

func (s *server) unbindPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPolicy(r)
	if err != nil {
		return err
	}
	env, err := environment(r)
	if err != nil {
		return err
	}
	if err := s.store.UnbindPolicy(r.Context(), p.ID, r.PathValue("groupId"), env); err != nil {
		return err
	}
	return noContent(w)
}

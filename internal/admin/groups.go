package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// groupRequest is the body of POST and PATCH /v1/groups[/{groupId}]. Every
// field is a pointer so that PATCH changes only the fields present.
type groupRequest struct {
	Name                *string          `json:"name"`
	Description         *string          `json:"description"`
	Dialect             *errcode.Dialect `json:"dialect"`
	Language            *errcode.Lang    `json:"language"`
	AuthType            *string          `json:"authType"`
	Schemes             *[]string        `json:"schemes"`
	ReplayWindowSeconds *int             `json:"replayWindowSeconds"`
	SignRegion          *string          `json:"signRegion"`
	SignService         *string          `json:"signService"`
	AllowedPins         *[]string        `json:"allowedPins"`
	// Status suspends (model.GroupSuspended) or resumes
	// (model.GroupActive) the group's service on the data plane; the
	// store refuses any other (model.ValidateGroupStatus).
	Status *string `json:"status"`
	// Owner is the operator's to set: an account's groups are its own.
	Owner *string `json:"owner"`
}

// apply copies the fields present in req onto g. A new authType without
// schemes drops the old type's schemes, which the new type would refuse.
func (req *groupRequest) apply(g *model.Group) {
	set(&g.Name, req.Name)
	set(&g.Description, req.Description)
	set(&g.Dialect, req.Dialect)
	set(&g.Language, req.Language)
	if req.AuthType != nil && *req.AuthType != g.AuthType && req.Schemes == nil {
		g.Schemes = nil
	}
	set(&g.AuthType, req.AuthType)
	set(&g.Schemes, req.Schemes)
	set(&g.ReplayWindowSeconds, req.ReplayWindowSeconds)
	set(&g.SignRegion, req.SignRegion)
	set(&g.SignService, req.SignService)
	set(&g.AllowedPins, req.AllowedPins)
	set(&g.Owner, req.Owner)
	set(&g.Status, req.Status)
	if len(g.Schemes) == 0 {
		g.Schemes = nil
	}
	if len(g.AllowedPins) == 0 {
		g.AllowedPins = nil
	}
}

// check refuses what c may not ask: an owner, unless the operator.
func (req *groupRequest) check(c *caller) error {
	if req.Owner != nil && !c.operator {
		return forbidden()
	}
	return nil
}

// set copies *v to dst when v is present.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (s *server) createGroup(w http.ResponseWriter, r *http.Request) error {
	var req groupRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c := callerOf(r.Context())
	if err := req.check(c); err != nil {
		return err
	}
	if !c.allGroups() {
		// A user limited to some groups would not see the group it made.
		return errcode.Newf(errcode.RoleNotAllowed, "the user's role does not cover every group, which creating one needs")
	}
	var g model.Group
	req.apply(&g)
	if !c.operator {
		g.Owner = c.pin()
	}
	g.ApplyDefaults()
	g, err := s.store.CreateGroup(r.Context(), g)
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+g.ID, g)
}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	var groups []model.Group
	var total int
	switch c := callerOf(r.Context()); {
	case c.operator:
		groups, total, err = s.store.ListGroups(r.Context(), p)
	case c.allGroups():
		groups, total, err = s.store.ListOwnedGroups(r.Context(), c.pin(), nil, p)
	default:
		var only []string
		if c.role != nil {
			only = c.role.Groups
		}
		groups, total, err = s.store.ListOwnedGroups(r.Context(), c.pin(), nonNil(only), p)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "groups", groups))
}

func (s *server) getGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := s.store.Group(r.Context(), r.PathValue("groupId"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	var req groupRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := req.check(callerOf(r.Context())); err != nil {
		return err
	}
	g, err := s.store.UpdateGroup(r.Context(), r.PathValue("groupId"), func(g *model.Group) error {
		req.apply(g)
		g.ApplyDefaults()
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteGroup(r.Context(), r.PathValue("groupId")); err != nil {
		return err
	}
	return noContent(w)
}

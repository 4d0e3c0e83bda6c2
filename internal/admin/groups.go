package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// groupRequest is the body of POST and PATCH /v1/groups[/{groupId}]. Every
// field is a pointer so that PATCH changes only the fields present.
type groupRequest struct {
	Name        *string          `json:"name"`
	Description *string          `json:"description"`
	Dialect     *errcode.Dialect `json:"dialect"`
	Language    *errcode.Lang    `json:"language"`
}

// apply copies the fields present in req onto g.
func (req *groupRequest) apply(g *model.Group) {
	set(&g.Name, req.Name)
	set(&g.Description, req.Description)
	set(&g.Dialect, req.Dialect)
	set(&g.Language, req.Language)
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
	var g model.Group
	req.apply(&g)
	g.ApplyDefaults()
	g, err := s.store.CreateGroup(r.Context(), g)
	if err != nil {
		return err
	}
	s.changed()
	return created(w, "/v1/groups/"+g.ID, g)
}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	groups, total, err := s.store.ListGroups(r.Context(), p)
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
	g, err := s.store.UpdateGroup(r.Context(), r.PathValue("groupId"), func(g *model.Group) error {
		req.apply(g)
		g.ApplyDefaults()
		return nil
	})
	if err != nil {
		return err
	}
	s.changed()
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteGroup(r.Context(), r.PathValue("groupId")); err != nil {
		return err
	}
	s.changed()
	return noContent(w)
}

package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// roleRequest is the body of POST .../roles and PUT .../roles/{name}. PUT
// replaces the lists; one left out becomes empty. Name is taken on
// creation only.
type roleRequest struct {
	Name    *string  `json:"name"`
	Groups  []string `json:"groups"`
	APIs    []string `json:"apis"`
	Actions []string `json:"actions"`
}

func (s *server) createRole(w http.ResponseWriter, r *http.Request) error {
	var req roleRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	role := model.Role{Pin: r.PathValue("pin"), Groups: req.Groups, APIs: req.APIs, Actions: req.Actions}
	set(&role.Name, req.Name)
	role.ApplyDefaults()
	role, err := s.store.CreateRole(r.Context(), role)
	if err != nil {
		return err
	}
	return created(w, "/v1/accounts/"+role.Pin+"/roles/"+role.Name, role)
}

func (s *server) listRoles(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	roles, total, err := s.store.ListRoles(r.Context(), r.PathValue("pin"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "roles", roles))
}

func (s *server) getRole(w http.ResponseWriter, r *http.Request) error {
	role, err := s.store.Role(r.Context(), r.PathValue("pin"), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, role)
}

func (s *server) putRole(w http.ResponseWriter, r *http.Request) error {
	var req roleRequest
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	if req.Name != nil {
		return errArgumentNotSupport("name")
	}
	role, err := s.store.UpdateRole(r.Context(), r.PathValue("pin"), r.PathValue("name"), func(role *model.Role) error {
		role.Groups, role.APIs, role.Actions = req.Groups, req.APIs, req.Actions
		role.ApplyDefaults()
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, role)
}

func (s *server) deleteRole(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteRole(r.Context(), r.PathValue("pin"), r.PathValue("name")); err != nil {
		return err
	}
	return noContent(w)
}

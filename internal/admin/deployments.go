package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// deploymentRequest is the body of POST .../deployments.
type deploymentRequest struct {
	Revision    string            `json:"revision"`
	Environment model.Environment `json:"environment"`
}

func (s *server) deploy(w http.ResponseWriter, r *http.Request) error {
	var req deploymentRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	d, err := s.store.Deploy(r.Context(), r.PathValue("groupId"), req.Revision, req.Environment)
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+d.GroupID+"/deployments", d)
}

func (s *server) listDeployments(w http.ResponseWriter, r *http.Request) error {
	deps, err := s.store.Deployments(r.Context(), r.PathValue("groupId"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deployments": deps})
}

func (s *server) undeploy(w http.ResponseWriter, r *http.Request) error {
	env, err := environment(r)
	if err != nil {
		return err
	}
	if err := s.store.Undeploy(r.Context(), r.PathValue("groupId"), env); err != nil {
		return err
	}
	return noContent(w)
}

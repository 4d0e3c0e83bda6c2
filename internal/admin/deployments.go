package admin

import (
	"fmt"
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// deploymentRequest is the body of POST .../deployments. GroupID, when
// given, names the group the revision is of, which must be the path's.
type deploymentRequest struct {
	Revision    string            `json:"revision"`
	Environment model.Environment `json:"environment"`
	GroupID     string            `json:"groupId"`
}

func (s *server) deploy(w http.ResponseWriter, r *http.Request) error {
	var req deploymentRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	groupID := r.PathValue("groupId")
	if req.GroupID != "" && req.GroupID != groupID {
		if err := model.ValidateRevision(req.Revision); err != nil {
			return err
		}
		if err := model.ValidateEnvironment("environment", req.Environment); err != nil {
			return err
		}
		return s.foreignRevision(r, req.GroupID, req.Revision, groupID)
	}
	d, err := s.store.Deploy(r.Context(), groupID, req.Revision, req.Environment)
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

// foreignRevision refuses the deployment to group into of a revision of
// group from: errcode.ParentMismatch where the caller sees from and it has
// the revision, and otherwise what a revision that does not exist answers
// (errcode.ResourceNotFound "revision R of group G"), so that no tenant
// learns what another's groups hold.
func (s *server) foreignRevision(r *http.Request, from, rev, into string) error {
	// The store's words for a revision a group lacks.
	notFound := errcode.New(errcode.ResourceNotFound, "revision "+rev+" of group "+from)
	g, err := s.store.Group(r.Context(), from)
	switch {
	case errcode.Has(err, errcode.ResourceNotFound):
		return notFound
	case err != nil:
		return err
	case !callerOf(r.Context()).sees(g):
		return notFound
	}
	if _, err := s.store.Revision(r.Context(), from, rev); err != nil {
		return err
	}
	return &errcode.Error{Cond: errcode.ParentMismatch, Subject: "groupId",
		Detail: fmt.Sprintf("revision %s is a revision of group %s, not of group %s", rev, from, into)}
}

package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// groupErrorRequest is the body of POST /v1/groups/{groupId}/errors.
type groupErrorRequest struct {
	Code     string       `json:"code"`
	HTTP     int          `json:"http"`
	Message  errcode.Text `json:"message"`
	Solution errcode.Text `json:"solution"`
}

func (s *server) createGroupError(w http.ResponseWriter, r *http.Request) error {
	var req groupErrorRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	gid := r.PathValue("groupId")
	e, err := s.store.CreateGroupError(r.Context(), model.GroupError{GroupID: gid, Code: req.Code, HTTP: req.HTTP, Message: req.Message, Solution: req.Solution})
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+gid+"/errors/"+e.Code, e)
}

// listGroupErrors answers with the group's own codes and its dialect, the
// one whose built-in codes its backend may raise beside them.
func (s *server) listGroupErrors(w http.ResponseWriter, r *http.Request) error {
	gid := r.PathValue("groupId")
	g, err := s.store.Group(r.Context(), gid)
	if err != nil {
		return err
	}
	list, err := s.store.ListGroupErrors(r.Context(), gid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"dialect": g.Dialect, "errors": list})
}

func (s *server) deleteGroupError(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteGroupError(r.Context(), r.PathValue("groupId"), r.PathValue("code")); err != nil {
		return err
	}
	return noContent(w)
}

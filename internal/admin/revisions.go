package admin

import (
	"net/http"
)

// revisionRequest is the body of POST .../revisions.
type revisionRequest struct {
	Revision    string `json:"revision"`
	Description string `json:"description"`
}

func (s *server) createRevision(w http.ResponseWriter, r *http.Request) error {
	var req revisionRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	rev, err := s.store.CreateRevision(r.Context(), r.PathValue("groupId"), req.Revision, req.Description)
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+rev.GroupID+"/revisions/"+rev.Revision, rev)
}

func (s *server) listRevisions(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	revs, total, err := s.store.ListRevisions(r.Context(), r.PathValue("groupId"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "revisions", revs))
}

func (s *server) getRevision(w http.ResponseWriter, r *http.Request) error {
	rev, err := s.store.Revision(r.Context(), r.PathValue("groupId"), r.PathValue("revision"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rev)
}

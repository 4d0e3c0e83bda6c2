package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// blacklistRequest is the body of POST /v1/blacklist.
type blacklistRequest struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

func (s *server) createBlacklistEntry(w http.ResponseWriter, r *http.Request) error {
	var req blacklistRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	e, err := s.store.CreateBlacklistEntry(r.Context(), model.BlacklistEntry{Kind: req.Kind, Value: req.Value, Reason: req.Reason})
	if err != nil {
		return err
	}
	return created(w, "/v1/blacklist/"+e.ID, e)
}

func (s *server) listBlacklist(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	entries, total, err := s.store.ListBlacklist(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "entries", entries))
}

func (s *server) deleteBlacklistEntry(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteBlacklistEntry(r.Context(), r.PathValue("entryId")); err != nil {
		return err
	}
	return noContent(w)
}

package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// backendRequest is the body of PUT .../backends/{environment}: the whole
// backend, which replaces any before it. Fields of the other type are
// refused by model.Backend.Validate.
type backendRequest struct {
	Type      string            `json:"type"`
	URLs      []string          `json:"urls"`
	TimeoutMs int               `json:"timeoutMs"`
	Headers   map[string]string `json:"headers"`
	Status    int               `json:"status"`
	Body      string            `json:"body"`
}

// environment returns the {environment} of the path, checked.
func environment(r *http.Request) (model.Environment, error) {
	env := model.Environment(r.PathValue("environment"))
	return env, model.ValidateEnvironment("environment", env)
}

func (s *server) putBackend(w http.ResponseWriter, r *http.Request) error {
	env, err := environment(r)
	if err != nil {
		return err
	}
	var req backendRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	saver, origin := savedBy(r.Context())
	b := model.Backend{
		SavedBy:     saver,
		GroupID:     r.PathValue("groupId"),
		Environment: env,
		Type:        req.Type,
		URLs:        req.URLs,
		TimeoutMs:   req.TimeoutMs,
		Headers:     req.Headers,
		Status:      req.Status,
		Body:        req.Body,
	}
	b.ApplyDefaults()
	if err := b.Validate(); err != nil {
		return err
	}
	if err := s.checkEgress(&b, origin); err != nil {
		return err
	}
	b, err = s.store.PutBackend(r.Context(), b)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, masked(b))
}

func (s *server) getBackend(w http.ResponseWriter, r *http.Request) error {
	env, err := environment(r)
	if err != nil {
		return err
	}
	b, err := s.store.Backend(r.Context(), r.PathValue("groupId"), env)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, masked(b))
}

func (s *server) deleteBackend(w http.ResponseWriter, r *http.Request) error {
	env, err := environment(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteBackend(r.Context(), r.PathValue("groupId"), env); err != nil {
		return err
	}
	return noContent(w)
}

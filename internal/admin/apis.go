package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// apiRequest is the body of POST and PATCH .../apis[/{apiId}]. PATCH
// changes only the fields present; params, when present, replaces the
// whole list.
type apiRequest struct {
	Name          *string        `json:"name"`
	Description   *string        `json:"description"`
	Method        *string        `json:"method"`
	Path          *string        `json:"path"`
	MatchType     *string        `json:"matchType"`
	Params        *[]model.Param `json:"params"`
	BackendPath   *string        `json:"backendPath"`
	BackendMethod *string        `json:"backendMethod"`
	GRPC          *bool          `json:"grpc"`
	WebSocket     *bool          `json:"websocket"`
	// The API's rules (model.APIRules): each, when present, replaces
	// the API's.
	Strict           *bool             `json:"strict"`
	Protocols        *[]string         `json:"protocols"`
	Body             **model.BodyRules `json:"body"`
	Responses        *[]model.Response `json:"responses"`
	ValidateResponse *bool             `json:"validateResponse"`
	Mappings         *[]model.Mapping  `json:"mappings"`
}

// apply copies the fields present in req onto a.
func (req *apiRequest) apply(a *model.API) {
	set(&a.Name, req.Name)
	set(&a.Description, req.Description)
	set(&a.Method, req.Method)
	set(&a.Path, req.Path)
	set(&a.MatchType, req.MatchType)
	set(&a.Params, req.Params)
	set(&a.BackendPath, req.BackendPath)
	set(&a.BackendMethod, req.BackendMethod)
	set(&a.GRPC, req.GRPC)
	set(&a.WebSocket, req.WebSocket)
	set(&a.Strict, req.Strict)
	set(&a.Protocols, req.Protocols)
	set(&a.Body, req.Body)
	set(&a.Responses, req.Responses)
	set(&a.ValidateResponse, req.ValidateResponse)
	set(&a.Mappings, req.Mappings)
}

func (s *server) createAPI(w http.ResponseWriter, r *http.Request) error {
	var req apiRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	a := model.API{GroupID: r.PathValue("groupId")}
	req.apply(&a)
	a.ApplyDefaults()
	a, err := s.store.CreateAPI(r.Context(), a)
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+a.GroupID+"/apis/"+a.ID, a)
}

func (s *server) listAPIs(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	apis, total, err := s.store.ListAPIs(r.Context(), r.PathValue("groupId"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "apis", apis))
}

func (s *server) getAPI(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.API(r.Context(), r.PathValue("groupId"), r.PathValue("apiId"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *server) updateAPI(w http.ResponseWriter, r *http.Request) error {
	var req apiRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	a, err := s.store.UpdateAPI(r.Context(), r.PathValue("groupId"), r.PathValue("apiId"), func(a *model.API) error {
		req.apply(a)
		a.ApplyDefaults()
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *server) deleteAPI(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteAPI(r.Context(), r.PathValue("groupId"), r.PathValue("apiId")); err != nil {
		return err
	}
	return noContent(w)
}

package admin

import (
	"net/http"
	"slices"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// importOpenAPI is POST /v1/groups/{groupId}/import: the body is a
// Swagger 2.0 or OpenAPI 3.0 / 3.1 document, YAML or JSON. It answers the
// plan (added, changed, removed, conflicts); with dryRun=true it writes
// nothing. Every operation is converted and validated before the first
// write, so that a document the store would refuse in part changes
// nothing.
func (s *server) importOpenAPI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	dryRun := false
	switch q.Get("dryRun") {
	case "", "false":
	case "true":
		dryRun = true
	default:
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "dryRun", Detail: "true or false"}
	}
	mode := q.Get("mode")
	if mode != "" && mode != openapi.ModeMerge && mode != openapi.ModeReplace {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "mode", Detail: "merge or replace"}
	}
	groupID := r.PathValue("groupId")
	if _, err := s.store.Group(r.Context(), groupID); err != nil {
		return err
	}
	body, err := readRequest(w, r)
	if err != nil {
		return err
	}
	doc, err := openapi.Read(r.Context(), body, openapi.DefaultLimits)
	if err != nil {
		return err
	}
	existing, err := s.existingAPIs(r, groupID)
	if err != nil {
		return err
	}
	plan, err := openapi.NewPlan(doc, existing, mode)
	if err != nil {
		return err
	}
	if !dryRun && !plan.Empty() {
		if err := s.applyPlan(r, groupID, plan); err != nil {
			return err
		}
	} else {
		unchanged(w)
	}
	return writeJSON(w, http.StatusOK, struct {
		DryRun bool `json:"dryRun"`
		*openapi.Plan
	}{dryRun, plan})
}

// existingAPIs returns every API of the group, each marked when the
// revision deployed online serves it.
func (s *server) existingAPIs(r *http.Request, groupID string) ([]openapi.Existing, error) {
	var all []model.API
	for n := 1; ; n++ {
		apis, total, err := s.store.ListAPIs(r.Context(), groupID, store.Page{Number: n, Size: MaxPageSize})
		if err != nil {
			return nil, err
		}
		all = append(all, apis...)
		if len(apis) == 0 || len(all) >= total {
			break
		}
	}
	online := map[string]bool{}
	deps, err := s.store.Deployments(r.Context(), groupID)
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		if d.Environment != model.EnvOnline {
			continue
		}
		rev, err := s.store.Revision(r.Context(), groupID, d.Revision)
		if err != nil {
			return nil, err
		}
		for _, a := range rev.APIs {
			online[a.ID] = true
		}
	}
	out := make([]openapi.Existing, len(all))
	for i, a := range all {
		out[i] = openapi.Existing{API: a, Online: online[a.ID]}
	}
	return out, nil
}

// applyPlan makes a plan's writes: deletes, then updates, then creates,
// so that what one frees another may take.
func (s *server) applyPlan(r *http.Request, groupID string, plan *openapi.Plan) error {
	ctx := r.Context()
	for _, id := range plan.Deletes {
		if err := s.store.DeleteAPI(ctx, groupID, id); err != nil {
			return err
		}
	}
	for _, a := range plan.Updates {
		_, err := s.store.UpdateAPI(ctx, groupID, a.ID, func(old *model.API) error {
			created := old.CreatedAt
			*old = a
			old.GroupID, old.CreatedAt = groupID, created
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, a := range plan.Creates {
		a.GroupID = groupID
		a.Params = slices.Clone(a.Params)
		if _, err := s.store.CreateAPI(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// exportOpenAPI is GET /v1/groups/{groupId}/openapi.json and .yaml: the
// group's APIs, or with ?revision= a revision's, as OpenAPI 3.1, with a
// server per environment that serves them.
func (s *server) exportOpenAPI(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	groupID := r.PathValue("groupId")
	g, err := s.store.Group(ctx, groupID)
	if err != nil {
		return err
	}
	rev := r.URL.Query().Get("revision")
	version := "draft"
	var apis []model.API
	if rev != "" {
		revision, err := s.store.Revision(ctx, groupID, rev)
		if err != nil {
			return err
		}
		apis, version = revision.APIs, revision.Revision
	} else {
		for n := 1; ; n++ {
			page, total, err := s.store.ListAPIs(ctx, groupID, store.Page{Number: n, Size: MaxPageSize})
			if err != nil {
				return err
			}
			apis = append(apis, page...)
			if len(page) == 0 || len(apis) >= total {
				break
			}
		}
	}
	deps, err := s.store.Deployments(ctx, groupID)
	if err != nil {
		return err
	}
	var servers []openapi.Server
	for _, d := range deps {
		if rev != "" && d.Revision != rev {
			continue
		}
		servers = append(servers, openapi.Server{URL: s.serverURL(groupID, d.Environment), Environment: d.Environment, Revision: d.Revision})
	}
	doc := openapi.Export(g, version, apis, servers)
	var body []byte
	contentType := "application/json; charset=utf-8"
	if strings.HasSuffix(r.URL.Path, ".yaml") {
		body, err = openapi.YAML(doc)
		contentType = "application/yaml; charset=utf-8"
	} else {
		body, err = openapi.JSON(doc)
	}
	if err != nil {
		return errcode.Wrap(errcode.Internal, err)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
	return nil
}

// serverURL is where env serves the group (docs/architecture.md, "Host
// routing"): {groupId}.{base} online, {groupId}-{env}.{base} otherwise.
func (s *server) serverURL(groupID string, env model.Environment) string {
	base := s.baseDomain
	if base == "" {
		base = "localhost"
	}
	scheme, port := "http", 0
	if s.dataEndpoint != nil {
		scheme, port = s.dataEndpoint()
	}
	host := groupID + "." + base
	if env != model.EnvOnline {
		host = groupID + "-" + string(env) + "." + base
	}
	if port != 0 && !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
		host += ":" + strconv.Itoa(port)
	}
	return scheme + "://" + host
}

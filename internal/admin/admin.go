// Package admin is Tollgate's control plane: the REST API under /v1 with
// which operators manage groups, APIs, backends, revisions and
// deployments. docs/admin-api.md describes it for its users, and
// openapi.json, served at /v1/openapi.json, for their tools.
//
// Handlers return errors; one edge (edge.go) authenticates, names the
// request and turns every error into the jdcloud error envelope.
package admin

import (
	"crypto/sha256"
	"log/slog"
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/store"
)

// Config is what the admin API needs.
type Config struct {
	// Store keeps the configuration.
	Store store.Store
	// Token is the bearer token every call but GET /v1/openapi.json must
	// carry. An empty token refuses every call.
	Token string
	// OnChange, if not nil, is called after every successful change and
	// before the response is written, so that a client that gets its
	// answer finds the data plane already serving the change.
	OnChange func()
	// Logger receives the causes of 5xx answers. Nil discards them.
	Logger *slog.Logger
}

// server holds the state of the handlers.
type server struct {
	store     store.Store
	tokenHash [sha256.Size]byte
	hasToken  bool
	onChange  func()
	log       *slog.Logger
}

// New returns the admin API handler.
func New(cfg Config) http.Handler {
	s := &server{
		store:     cfg.Store,
		tokenHash: sha256.Sum256([]byte(cfg.Token)),
		hasToken:  cfg.Token != "",
		onChange:  cfg.OnChange,
		log:       cfg.Logger,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.pattern, s.edge(rt))
	}
	// Everything else answers with an envelope too, after the same
	// authentication, so that the API's shape cannot be probed without a
	// token.
	mux.Handle("/", s.edge(route{h: s.noRoute(mux)}))
	return mux
}

// route is one operation of the API.
type route struct {
	method  string
	pattern string
	h       handlerFunc
	// query lists the query parameters the operation accepts; any other
	// is refused.
	query []string
	// public operations need no token.
	public bool
}

// routes lists every operation. The OpenAPI document must describe
// exactly these; TestOpenAPIMatchesRoutes holds the two together.
func (s *server) routes() []route {
	page := []string{"pageNumber", "pageSize"}
	return []route{
		{method: "GET", pattern: "/v1/openapi.json", h: s.openAPI, public: true},

		{method: "POST", pattern: "/v1/groups", h: s.createGroup},
		{method: "GET", pattern: "/v1/groups", h: s.listGroups, query: page},
		{method: "GET", pattern: "/v1/groups/{groupId}", h: s.getGroup},
		{method: "PATCH", pattern: "/v1/groups/{groupId}", h: s.updateGroup},
		{method: "DELETE", pattern: "/v1/groups/{groupId}", h: s.deleteGroup},

		{method: "POST", pattern: "/v1/groups/{groupId}/apis", h: s.createAPI},
		{method: "GET", pattern: "/v1/groups/{groupId}/apis", h: s.listAPIs, query: page},
		{method: "GET", pattern: "/v1/groups/{groupId}/apis/{apiId}", h: s.getAPI},
		{method: "PATCH", pattern: "/v1/groups/{groupId}/apis/{apiId}", h: s.updateAPI},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/apis/{apiId}", h: s.deleteAPI},

		{method: "PUT", pattern: "/v1/groups/{groupId}/backends/{environment}", h: s.putBackend},
		{method: "GET", pattern: "/v1/groups/{groupId}/backends/{environment}", h: s.getBackend},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/backends/{environment}", h: s.deleteBackend},

		{method: "POST", pattern: "/v1/groups/{groupId}/revisions", h: s.createRevision},
		{method: "GET", pattern: "/v1/groups/{groupId}/revisions", h: s.listRevisions, query: page},
		{method: "GET", pattern: "/v1/groups/{groupId}/revisions/{revision}", h: s.getRevision},

		{method: "POST", pattern: "/v1/groups/{groupId}/deployments", h: s.deploy},
		{method: "GET", pattern: "/v1/groups/{groupId}/deployments", h: s.listDeployments},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/deployments/{environment}", h: s.undeploy},
	}
}

// changed tells the data plane that the configuration changed. Handlers
// call it after the store accepted a change and before answering.
func (s *server) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}

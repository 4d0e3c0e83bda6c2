// Package admin is Tollgate's control plane: the REST API under /v1 with
// which operators and tenants manage groups, APIs, backends, revisions,
// deployments, who may call them (accounts, users, roles, keys,
// authorizations, the blacklist), traffic policies, and the API market:
// plans, subscriptions, recharges, bills and usage. docs/admin-api.md
// describes it for its users, and openapi.json, served at
// /v1/openapi.json, for their tools.
//
// A call is made by the operator, with the admin token, or by an account
// or one of its users, signed with one of their keys by any signature
// scheme of package auth. An account sees and changes only what it owns;
// a user only what its role allows. access.go holds those rules.
//
// Handlers return errors; one edge (edge.go) authenticates, checks
// access and If-Match (precondition.go), names the request and turns
// every error into the error envelope of the caller's dialect (answer.go).
package admin

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Config is what the admin API needs.
type Config struct {
	// Store keeps the configuration.
	Store store.Store
	// Token is the bearer token every call but GET /v1/openapi.json must
	// carry. An empty token refuses every call.
	Token string
	// Reloads, if not nil, makes the data plane serve each change: the
	// edge asks it for a reload after every write the store accepted and
	// waits for that reload before the answer's status goes out, so that
	// a client that gets its answer finds the data plane serving the
	// change. Handlers know nothing of it.
	Reloads Reloader
	// Logger receives the causes of 5xx answers (ERROR) and one line per
	// write, who made it and its result (INFO; auditlog.go). Nil
	// discards them.
	Logger *slog.Logger
	// Counter is the data plane's counter, shared so that both planes
	// count alike: it remembers the nonces of signed calls (a nonce used
	// on one plane is refused on the other), holds and charges balances
	// for plan purchases (the data plane draws pay-per-call charges from
	// the same balance), and reports the usage the data plane counted. A
	// private in-memory counter when nil.
	Counter limit.Counter
	// Zone is the time zone whose midnight starts a new day in usage
	// reports and bills, the one the data plane's daily quotas reset in;
	// UTC when nil.
	Zone *time.Location
	// Clock tells the time: the replay window, sessions, login throttling
	// and TOTP codes read it. The system clock when nil.
	Clock limit.Clock
	// Egress is the policy a backend's URLs are checked against when it
	// is saved; nil holds the rules for everyone and allows tenants no
	// private range (see package egress).
	Egress *egress.Policy
	// BaseDomain is the domain the data plane serves groups under
	// ({groupId}.{base}, {groupId}-test.{base}...), for the servers of an
	// exported OpenAPI document; "localhost" when empty.
	BaseDomain string
	// DataEndpoint, if not nil, tells the data plane's scheme ("http" or
	// "https") and port, for the same servers; http on the default port
	// when nil.
	DataEndpoint func() (scheme string, port int)
	// Debugger runs API debug calls through the data plane (debug.go);
	// nil answers them with errcode.Unavailable.
	Debugger Debugger
	// TokenHash is the SHA-256 of the admin token, for a node of a
	// cluster that accepts the token without holding it
	// (docs/cluster.md); it is read only when Token is empty, which
	// otherwise refuses every call.
	TokenHash []byte
}

// server holds the state of the handlers.
type server struct {
	store     store.Store
	tokenHash [sha256.Size]byte
	hasToken  bool
	reloads   Reloader
	log       *slog.Logger
	counter   limit.Counter
	zone      *time.Location
	clock     limit.Clock
	egress    *egress.Policy
	// baseDomain and dataEndpoint place the data plane (Config).
	baseDomain   string
	dataEndpoint func() (string, int)
	debugger     Debugger
	// logins and mfaFailures throttle guesses of passwords and TOTP codes.
	logins      *throttle
	mfaFailures *throttle
	// totpUsed remembers the last TOTP step each account used, so that a
	// code works once.
	totpUsed *stepLog
	// hashPassword and checkNoPassword are secret's; tests make them
	// cheaper.
	hashPassword    func(string) (string, error)
	checkNoPassword func(string) bool
}

// New returns the admin API handler.
func New(cfg Config) http.Handler {
	return newServer(cfg).handler()
}

func newServer(cfg Config) *server {
	s := &server{
		store:        cfg.Store,
		tokenHash:    sha256.Sum256([]byte(cfg.Token)),
		hasToken:     cfg.Token != "",
		reloads:      cfg.Reloads,
		log:          cfg.Logger,
		counter:      cfg.Counter,
		zone:         cfg.Zone,
		clock:        cfg.Clock,
		egress:       cfg.Egress,
		baseDomain:   cfg.BaseDomain,
		dataEndpoint: cfg.DataEndpoint,
		debugger:     cfg.Debugger,
		hashPassword: secret.HashPassword,
	}
	s.checkNoPassword = secret.CheckNoPassword
	if cfg.Token == "" && len(cfg.TokenHash) == sha256.Size {
		copy(s.tokenHash[:], cfg.TokenHash)
		s.hasToken = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = limit.SystemClock{}
	}
	if s.counter == nil {
		s.counter = limit.NewMemory(limit.Options{Clock: s.clock})
	}
	if s.zone == nil {
		s.zone = time.UTC
	}
	s.logins = newThrottle(s.clock, maxLoginFailures, throttleWindow)
	s.mfaFailures = newThrottle(s.clock, maxLoginFailures, throttleWindow)
	s.totpUsed = newStepLog()
	return s
}

// handler routes every operation through the edge.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range versioned(s.routes()) {
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
	// scope says whose resource the operation touches, and so who may
	// call it (access.go).
	scope scope
	// action names the operation for roles and MFA (model.Actions).
	action string
	// maxBody, when set, is the largest body the operation reads,
	// instead of MaxBodyBytes.
	maxBody int64
	// inert marks a write that changes nothing the data plane serves (a
	// debug call): the edge asks for no reload after it.
	inert bool
	// versionOf is the pattern of the GET whose answer is the version of
	// what the operation changes (precondition.go), where it is not the
	// operation's own pattern.
	versionOf string
	// version is that GET, set by versioned; nil for an operation whose
	// resource has no version (a creation), which refuses If-Match.
	version *route
}

// versioned returns routes with the version of each set: a GET is its
// own; a PUT, PATCH or DELETE, or a route that names versionOf, has the
// GET of versionOf or of its own pattern, where there is one.
func versioned(routes []route) []route {
	gets := map[string]*route{}
	for i := range routes {
		if routes[i].method == http.MethodGet {
			gets[routes[i].pattern] = &routes[i]
		}
	}
	for i := range routes {
		rt := &routes[i]
		switch {
		case rt.method == http.MethodGet:
			rt.version = gets[rt.pattern]
		case rt.versionOf != "":
			rt.version = gets[rt.versionOf]
		case rt.method == http.MethodPut || rt.method == http.MethodPatch || rt.method == http.MethodDelete:
			rt.version = gets[rt.pattern]
		}
	}
	return routes
}

// routes lists every operation. The OpenAPI document must describe
// exactly these; TestOpenAPIMatchesRoutes holds the two together, and
// TestActionsMatchRoutes the actions and model.Actions.
func (s *server) routes() []route {
	page := []string{"pageNumber", "pageSize"}
	return []route{
		{method: "GET", pattern: "/v1/openapi.json", h: s.openAPI, scope: scopePublic},

		{method: "POST", pattern: "/v1/login", h: s.login, scope: scopePublic},
		{method: "POST", pattern: "/v1/login/refresh", h: s.refresh, scope: scopePublic},

		{method: "POST", pattern: "/v1/accounts", h: s.createAccount, scope: scopeOperator, action: "accounts.create"},
		{method: "GET", pattern: "/v1/accounts", h: s.listAccounts, query: page, scope: scopeOperator, action: "accounts.read"},
		{method: "GET", pattern: "/v1/accounts/{pin}", h: s.getAccount, scope: scopeAccount, action: "accounts.read"},
		{method: "PATCH", pattern: "/v1/accounts/{pin}", h: s.updateAccount, scope: scopeAccount, action: "accounts.update"},

		{method: "PUT", pattern: "/v1/accounts/{pin}/mfa", h: s.putMFA, scope: scopeAccount, action: "mfa.update", versionOf: "/v1/accounts/{pin}"},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/mfa", h: s.deleteMFA, scope: scopeAccount, action: "mfa.delete", versionOf: "/v1/accounts/{pin}"},

		{method: "POST", pattern: "/v1/accounts/{pin}/keys", h: s.createKey, scope: scopeAccount, action: "keys.create"},
		{method: "GET", pattern: "/v1/accounts/{pin}/keys", h: s.listKeys, query: page, scope: scopeAccount, action: "keys.read"},
		{method: "GET", pattern: "/v1/accounts/{pin}/keys/{accessKey}", h: s.getKey, scope: scopeAccount, action: "keys.read"},
		{method: "PATCH", pattern: "/v1/accounts/{pin}/keys/{accessKey}", h: s.updateKey, scope: scopeAccount, action: "keys.update"},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/keys/{accessKey}", h: s.deleteKey, scope: scopeAccount, action: "keys.delete"},
		{method: "POST", pattern: "/v1/accounts/{pin}/keys/{accessKey}/rotate", h: s.rotateKey, scope: scopeAccount, action: "keys.rotate",
			versionOf: "/v1/accounts/{pin}/keys/{accessKey}"},

		{method: "POST", pattern: "/v1/accounts/{pin}/users", h: s.createUser, scope: scopeAccount, action: "users.create"},
		{method: "GET", pattern: "/v1/accounts/{pin}/users", h: s.listUsers, query: page, scope: scopeAccount, action: "users.read"},
		{method: "GET", pattern: "/v1/accounts/{pin}/users/{name}", h: s.getUser, scope: scopeAccount, action: "users.read"},
		{method: "PATCH", pattern: "/v1/accounts/{pin}/users/{name}", h: s.updateUser, scope: scopeAccount, action: "users.update"},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/users/{name}", h: s.deleteUser, scope: scopeAccount, action: "users.delete"},

		{method: "POST", pattern: "/v1/accounts/{pin}/roles", h: s.createRole, scope: scopeAccount, action: "roles.create"},
		{method: "GET", pattern: "/v1/accounts/{pin}/roles", h: s.listRoles, query: page, scope: scopeAccount, action: "roles.read"},
		{method: "GET", pattern: "/v1/accounts/{pin}/roles/{name}", h: s.getRole, scope: scopeAccount, action: "roles.read"},
		{method: "PUT", pattern: "/v1/accounts/{pin}/roles/{name}", h: s.putRole, scope: scopeAccount, action: "roles.update"},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/roles/{name}", h: s.deleteRole, scope: scopeAccount, action: "roles.delete"},

		{method: "POST", pattern: "/v1/blacklist", h: s.createBlacklistEntry, scope: scopeOperator, action: "blacklist.create"},
		{method: "GET", pattern: "/v1/blacklist", h: s.listBlacklist, query: page, scope: scopeOperator, action: "blacklist.read"},
		{method: "DELETE", pattern: "/v1/blacklist/{entryId}", h: s.deleteBlacklistEntry, scope: scopeOperator, action: "blacklist.delete"},

		{method: "POST", pattern: "/v1/groups", h: s.createGroup, scope: scopeTenant, action: "groups.create"},
		{method: "GET", pattern: "/v1/groups", h: s.listGroups, query: page, scope: scopeTenant, action: "groups.read"},
		{method: "GET", pattern: "/v1/groups/{groupId}", h: s.getGroup, scope: scopeGroup, action: "groups.read"},
		{method: "PATCH", pattern: "/v1/groups/{groupId}", h: s.updateGroup, scope: scopeGroup, action: "groups.update"},
		{method: "DELETE", pattern: "/v1/groups/{groupId}", h: s.deleteGroup, scope: scopeGroup, action: "groups.delete"},

		{method: "POST", pattern: "/v1/groups/{groupId}/apis", h: s.createAPI, scope: scopeGroup, action: "apis.create"},
		{method: "GET", pattern: "/v1/groups/{groupId}/apis", h: s.listAPIs, query: page, scope: scopeGroup, action: "apis.read"},
		{method: "GET", pattern: "/v1/groups/{groupId}/apis/{apiId}", h: s.getAPI, scope: scopeGroup, action: "apis.read"},
		{method: "PATCH", pattern: "/v1/groups/{groupId}/apis/{apiId}", h: s.updateAPI, scope: scopeGroup, action: "apis.update"},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/apis/{apiId}", h: s.deleteAPI, scope: scopeGroup, action: "apis.delete"},
		{method: "POST", pattern: "/v1/groups/{groupId}/apis/{apiId}/debug", h: s.debugAPI, scope: scopeGroup, action: "apis.debug", inert: true},

		// OpenAPI in and out (openapi.go's neighbours import.go, export.go).
		{method: "POST", pattern: "/v1/groups/{groupId}/import", h: s.importOpenAPI, query: []string{"dryRun", "mode"},
			scope: scopeGroup, action: "apis.import", maxBody: int64(openapi.DefaultLimits.MaxBytes)},
		{method: "GET", pattern: "/v1/groups/{groupId}/openapi.json", h: s.exportOpenAPI, query: []string{"revision"}, scope: scopeGroup, action: "apis.read"},
		{method: "GET", pattern: "/v1/groups/{groupId}/openapi.yaml", h: s.exportOpenAPI, query: []string{"revision"}, scope: scopeGroup, action: "apis.read"},

		{method: "PUT", pattern: "/v1/groups/{groupId}/backends/{environment}", h: s.putBackend, scope: scopeGroup, action: "backends.update"},
		{method: "GET", pattern: "/v1/groups/{groupId}/backends/{environment}", h: s.getBackend, scope: scopeGroup, action: "backends.read"},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/backends/{environment}", h: s.deleteBackend, scope: scopeGroup, action: "backends.delete"},

		{method: "POST", pattern: "/v1/groups/{groupId}/errors", h: s.createGroupError, scope: scopeGroup, action: "errors.create"},
		{method: "GET", pattern: "/v1/groups/{groupId}/errors", h: s.listGroupErrors, scope: scopeGroup, action: "errors.read"},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/errors/{code}", h: s.deleteGroupError, scope: scopeGroup, action: "errors.delete",
			versionOf: "/v1/groups/{groupId}/errors"},

		{method: "POST", pattern: "/v1/groups/{groupId}/revisions", h: s.createRevision, scope: scopeGroup, action: "revisions.create"},
		{method: "GET", pattern: "/v1/groups/{groupId}/revisions", h: s.listRevisions, query: page, scope: scopeGroup, action: "revisions.read"},
		{method: "GET", pattern: "/v1/groups/{groupId}/revisions/{revision}", h: s.getRevision, scope: scopeGroup, action: "revisions.read"},

		{method: "POST", pattern: "/v1/groups/{groupId}/deployments", h: s.deploy, scope: scopeGroup, action: "deployments.create"},
		{method: "GET", pattern: "/v1/groups/{groupId}/deployments", h: s.listDeployments, scope: scopeGroup, action: "deployments.read"},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/deployments/{environment}", h: s.undeploy, scope: scopeGroup, action: "deployments.delete",
			versionOf: "/v1/groups/{groupId}/deployments"},

		{method: "POST", pattern: "/v1/groups/{groupId}/authorizations", h: s.createAuthorization, scope: scopeGroup, action: "authorizations.create"},
		{method: "GET", pattern: "/v1/groups/{groupId}/authorizations", h: s.listAuthorizations, query: page, scope: scopeGroup, action: "authorizations.read"},
		{method: "GET", pattern: "/v1/groups/{groupId}/authorizations/{authorizationId}", h: s.getAuthorization, scope: scopeGroup, action: "authorizations.read"},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/authorizations/{authorizationId}", h: s.deleteAuthorization, scope: scopeGroup, action: "authorizations.delete"},

		// Traffic policies: each tenant its own (policies.go checks the
		// owner of {policyId} and of the group bound).
		{method: "POST", pattern: "/v1/policies", h: s.createPolicy, scope: scopeTenant, action: "policies.create"},
		{method: "GET", pattern: "/v1/policies", h: s.listPolicies, query: page, scope: scopeTenant, action: "policies.read"},
		{method: "GET", pattern: "/v1/policies/{policyId}", h: s.getPolicy, scope: scopeTenant, action: "policies.read"},
		{method: "PATCH", pattern: "/v1/policies/{policyId}", h: s.updatePolicy, scope: scopeTenant, action: "policies.update"},
		{method: "DELETE", pattern: "/v1/policies/{policyId}", h: s.deletePolicy, scope: scopeTenant, action: "policies.delete"},
		{method: "POST", pattern: "/v1/policies/{policyId}/bindings", h: s.bindPolicy, scope: scopeTenant, action: "policies.bind"},
		{method: "GET", pattern: "/v1/policies/{policyId}/bindings", h: s.listPolicyBindings, scope: scopeTenant, action: "policies.read"},
		{method: "DELETE", pattern: "/v1/policies/{policyId}/bindings/{groupId}/{environment}", h: s.unbindPolicy, scope: scopeTenant, action: "policies.unbind",
			versionOf: "/v1/policies/{policyId}/bindings"},

		// The API market: what groups sell (plans.go), what accounts buy
		// (subscriptions.go, purchase.go), their money (recharge.go,
		// bills.go) and the usage the data plane counted (usage.go).
		{method: "POST", pattern: "/v1/groups/{groupId}/plans", h: s.createPlan, scope: scopeGroup, action: "plans.create"},
		{method: "GET", pattern: "/v1/groups/{groupId}/plans", h: s.listPlans, scope: scopeMarket, action: "plans.read"},
		{method: "GET", pattern: "/v1/groups/{groupId}/plans/{planId}", h: s.getPlan, scope: scopeMarket, action: "plans.read"},
		{method: "PATCH", pattern: "/v1/groups/{groupId}/plans/{planId}", h: s.updatePlan, scope: scopeGroup, action: "plans.update"},
		{method: "POST", pattern: "/v1/subscriptions", h: s.createSubscription, scope: scopeTenant, action: "subscriptions.create"},
		{method: "GET", pattern: "/v1/subscriptions", h: s.listSubscriptions, query: []string{"pin"}, scope: scopeTenant, action: "subscriptions.read"},
		{method: "GET", pattern: "/v1/subscriptions/{subscriptionId}", h: s.getSubscription, scope: scopeTenant, action: "subscriptions.read"},
		{method: "POST", pattern: "/v1/accounts/{pin}/recharge", h: s.recharge, scope: scopeOperator, action: "accounts.recharge"},
		{method: "GET", pattern: "/v1/accounts/{pin}/bills", h: s.bills, scope: scopeAccount, action: "bills.read"},
		{method: "GET", pattern: "/v1/usage", h: s.usage, query: []string{"pin", "groupId", "from", "to", "granularity"}, scope: scopeTenant, action: "usage.read"},
	}
}

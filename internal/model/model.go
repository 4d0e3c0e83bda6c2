// Package model holds Tollgate's domain types and the validation that does
// not need the store: names, path templates, revision numbers, backends.
package model

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Environment is where a revision is deployed.
type Environment string

// The environments of every group.
const (
	EnvTest    Environment = "test"
	EnvPreview Environment = "preview"
	EnvOnline  Environment = "online"
)

// Environments lists every environment.
var Environments = []Environment{EnvTest, EnvPreview, EnvOnline}

// Valid reports whether e is a known environment.
func (e Environment) Valid() bool {
	return e == EnvTest || e == EnvPreview || e == EnvOnline
}

// Group is an API group: a set of APIs with one host name and one dialect.
type Group struct {
	ID          string          `json:"groupId"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Dialect     errcode.Dialect `json:"dialect"`
	Language    errcode.Lang    `json:"language"`
	// Owner is the pin of the account that owns the group; "" for a group
	// created with the admin token.
	Owner string `json:"owner,omitempty"`
	// AuthType says how callers prove who they are: AuthNone,
	// AuthSignature or AuthAppKey.
	AuthType string `json:"authType"`
	// Schemes lists the signature schemes accepted (auth.Names()); empty
	// accepts every scheme of the AuthType.
	Schemes []string `json:"schemes,omitempty"`
	// ReplayWindowSeconds is how far a request's time may be from the
	// gateway's, either way (default 300).
	ReplayWindowSeconds int `json:"replayWindowSeconds,omitempty"`
	// SignRegion and SignService, when set, pin the credential scope of
	// the SigV4-family schemes; otherwise the client's are taken.
	SignRegion  string `json:"signRegion,omitempty"`
	SignService string `json:"signService,omitempty"`
	// AllowedPins, when not empty, restricts callers to these accounts
	// (and their users) whatever the authorizations say.
	AllowedPins []string `json:"allowedPins,omitempty"`
	// Status is GroupActive ("" reads as active) or GroupSuspended: the
	// publisher has suspended the service, and every call is refused.
	Status    string    `json:"status,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Auth types of a group.
const (
	AuthNone      = "none"
	AuthSignature = "signature"
	AuthAppKey    = "appkey"
)

// DefaultReplayWindowSeconds is the replay window of a group that sets none.
const DefaultReplayWindowSeconds = 300

// Match types of an API's path.
const (
	MatchAbsolute = "absolute"
	MatchPrefix   = "prefix"
)

// Where a parameter is carried.
const (
	InPath   = "path"
	InQuery  = "query"
	InHeader = "header"
)

// Param is a declared request parameter.
type Param struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Type     string `json:"type"` // string, integer, number, boolean
	Required bool   `json:"required"`
	Default  Scalar `json:"default,omitempty"`
	ParamRules
}

// Scalar is a parameter value. It reads a JSON string, number or boolean and
// keeps its text, so that a default of 10 and of "10" mean the same.
type Scalar string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Scalar) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*s = ""
	case string:
		*s = Scalar(x)
	case bool:
		*s = Scalar(strconv.FormatBool(x))
	case float64:
		*s = Scalar(string(b))
	case []any:
		return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[Scalar]()}
	default:
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[Scalar]()}
	}
	return nil
}

// API is one operation of a group: method + path template → backend path.
type API struct {
	ID            string    `json:"apiId"`
	GroupID       string    `json:"groupId"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	MatchType     string    `json:"matchType"`
	Params        []Param   `json:"params"`
	BackendPath   string    `json:"backendPath"`
	BackendMethod string    `json:"backendMethod"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`

	// GRPC sends the API's calls to the backend over HTTP/2 (h2c to an
	// http:// target, h2 over TLS to an https:// one) and passes the
	// response trailers back, as gRPC needs (see ValidateProtocols).
	GRPC bool `json:"grpc,omitempty"`
	// WebSocket lets a call that asks to switch to the WebSocket protocol
	// through to the backend, and tunnels the connection once the backend
	// agreed (see ValidateProtocols).
	WebSocket bool `json:"websocket,omitempty"`

	APIRules
}

// Backend types.
const (
	BackendHTTP = "http"
	BackendMock = "mock"
)

// Backend is where a group's calls go in one environment. It is not part of
// a revision: a change applies to the environment at once.
type Backend struct {
	GroupID     string            `json:"groupId"`
	Environment Environment       `json:"environment"`
	Type        string            `json:"type"`
	URLs        []string          `json:"urls,omitempty"`
	TimeoutMs   int               `json:"timeoutMs,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Status      int               `json:"status,omitempty"`
	Body        string            `json:"body,omitempty"`
	// SavedBy is who saved the backend last, SavedByOperator or
	// SavedByTenant: it decides which addresses its calls may reach (the
	// egress policy, docs/security.md). The admin API sets it from the
	// caller; a client cannot choose it.
	SavedBy   string    `json:"savedBy,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Who saved a backend (Backend.SavedBy). The zero value "" is taken as
// the operator's, for backends built in code; the store always records
// one of the two.
const (
	SavedByOperator = "operator"
	SavedByTenant   = "tenant"
)

// Revision is an immutable snapshot of a group's APIs.
type Revision struct {
	GroupID     string    `json:"groupId"`
	Revision    string    `json:"revision"`
	Description string    `json:"description"`
	APIs        []API     `json:"apis"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Deployment is a revision published to an environment.
type Deployment struct {
	GroupID     string      `json:"groupId"`
	Environment Environment `json:"environment"`
	Revision    string      `json:"revision"`
	DeployedAt  time.Time   `json:"deployedAt"`
}

// Published is everything the data plane needs to serve one group in one
// environment. The store assembles it; the snapshot compiles it.
type Published struct {
	Group       Group
	Environment Environment
	// Revision is the deployed revision. Its zero value means nothing is
	// deployed: the group is known, so its host answers NotDeployed in
	// the group's own dialect rather than an unknown-service error.
	Revision Revision
	// Backend is nil when the environment has none configured.
	Backend *Backend
	// Errors are the group's own error codes, which its backend may raise
	// beside the catalogue's (GroupError).
	Errors []GroupError
}

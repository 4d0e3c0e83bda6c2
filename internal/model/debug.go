package model

import "net/http"

// DebugCall is an API debug call as the admin API hands it to the data
// plane: one request, built from the API's declaration and the sample the
// caller gave, to run through the whole pipeline of the gateway on behalf
// of Actor. It is a type of its own here, rather than the admin API's or
// the gateway's, because neither of those may import the other.
type DebugCall struct {
	GroupID     string
	Environment Environment
	// APIID is the API the call is for: the pipeline must match it, or
	// the call is refused at the match stage.
	APIID string
	// Method, Path (escaped) and RawQuery make the request line.
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// RemoteAddr is the address of the admin API's client, for the access
	// log.
	RemoteAddr string
	Actor      DebugActor
}

// DebugActor is who a debug call is made on behalf of: the operator, or
// an account (Pin) or one of its users (Pin and User).
type DebugActor struct {
	Operator  bool
	Pin, User string
}

// String names the actor as the stage verdicts do.
func (a DebugActor) String() string {
	switch {
	case a.Operator:
		return "the operator"
	case a.User != "":
		return "user " + a.User + " of account " + a.Pin
	}
	return "account " + a.Pin
}

// Stage verdicts of a debug call (StageVerdict.Verdict).
const (
	VerdictPassed  = "passed"
	VerdictRefused = "refused"
	VerdictSkipped = "skipped"
)

// StageVerdict is what one stage of the pipeline made of a debug call.
type StageVerdict struct {
	Stage   string `json:"stage"`
	Verdict string `json:"verdict"`
	// Code, Status and Message are the refusal's, in the group's dialect
	// code (jdcloud's canonical status, e.g. "UNAUTHENTICATED").
	Code    string `json:"code,omitempty"`
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// Reason says why a stage was skipped.
	Reason string `json:"reason,omitempty"`
	// Micros is the time the stage took, in microseconds.
	Micros int64 `json:"micros"`
}

// DebugAnswer is what a debug call came to: the answer the caller would
// have had, and each stage's verdict in pipeline order.
type DebugAnswer struct {
	RequestID string      `json:"requestId"`
	Status    int         `json:"status"`
	Header    http.Header `json:"headers"`
	Body      []byte      `json:"-"`
	BodyBytes int64       `json:"bodyBytes"`
	Truncated bool        `json:"truncated"`
	// Cut reports that the answer broke off after its status (the
	// backend cut it): a real caller would have seen its connection
	// dropped.
	Cut    bool           `json:"cut,omitempty"`
	Stages []StageVerdict `json:"stages"`
	// Micros is the whole call's time, in microseconds.
	Micros int64 `json:"micros"`
}

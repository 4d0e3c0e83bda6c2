package model

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestAPIValidateProtocols(t *testing.T) {
	tests := []struct {
		name    string
		a       API
		cond    *errcode.Condition
		subject string
	}{
		{"plain", API{Method: "GET"}, nil, ""},
		{"grpc post", API{Method: "POST", GRPC: true}, nil, ""},
		{"grpc any", API{Method: "ANY", GRPC: true}, nil, ""},
		{"grpc get", API{Method: "GET", GRPC: true}, errcode.ParamValueInvalid, "method"},
		{"grpc backend get", API{Method: "POST", BackendMethod: "GET", GRPC: true}, errcode.ParamValueInvalid, "backendMethod"},
		{"websocket get", API{Method: "GET", WebSocket: true}, nil, ""},
		{"websocket any", API{Method: "ANY", WebSocket: true}, nil, ""},
		{"websocket post", API{Method: "POST", WebSocket: true}, errcode.ParamValueInvalid, "method"},
		{"websocket backend put", API{Method: "GET", BackendMethod: "PUT", WebSocket: true}, errcode.ParamValueInvalid, "backendMethod"},
		{"both", API{Method: "ANY", GRPC: true, WebSocket: true}, errcode.ParamValueInvalid, "websocket"},
	}
	for _, tt := range tests {
		a := tt.a
		a.Name, a.Path = "chat", "/chat"
		a.ApplyDefaults()
		checkErr(t, tt.name, a.Validate(), tt.cond, tt.subject)
	}
}

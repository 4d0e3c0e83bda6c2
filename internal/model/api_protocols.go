package model

import "net/http"

// ValidateProtocols checks the protocol an API declares beyond plain
// HTTP. An API is gRPC or WebSocket, not both: the one tunnels a
// connection, the other multiplexes streams over HTTP/2. A gRPC call is
// always a POST, so a gRPC API answers POST (or ANY) and calls its backend
// with POST; a WebSocket handshake is always a GET (RFC 6455, 4.1), so a
// WebSocket API answers GET (or ANY) and calls its backend with GET. A
// method that could never carry the protocol is refused rather than left
// to fail at call time.
func (a *API) ValidateProtocols() error {
	switch {
	case a.GRPC && a.WebSocket:
		return invalid("websocket", "an API is gRPC or WebSocket, not both")
	case a.GRPC:
		return protocolMethods("grpc", http.MethodPost, a)
	case a.WebSocket:
		return protocolMethods("websocket", http.MethodGet, a)
	}
	return nil
}

// protocolMethods refuses a's method and backend method unless each is
// want or ANY.
func protocolMethods(protocol, want string, a *API) error {
	if a.Method != want && a.Method != MethodAny {
		return invalid("method", "%q: a %s API answers %s or ANY", a.Method, protocol, want)
	}
	if a.BackendMethod != want && a.BackendMethod != MethodAny {
		return invalid("backendMethod", "%q: a %s API calls its backend with %s or ANY", a.BackendMethod, protocol, want)
	}
	return nil
}

package admin

import (
	"context"
	"log/slog"
	"net/http"
)

// Every admin write (POST, PUT, PATCH, DELETE), accepted or refused, is
// logged at INFO, one line per request, so that an operator can answer
// "who changed this, and when": the request id, the method and path, the
// action the route is (model.Actions), who made it (operator, or account,
// user and access key) and the result (HTTP status and error code).
// Bodies are never logged: they carry passwords, secrets and backend
// credentials. Reads are not logged: they change nothing, and the
// data plane's access log covers calls.

// statusRecorder remembers the status a handler answered with, and runs
// beforeStatus, when set, once, right before that status goes out.
type statusRecorder struct {
	http.ResponseWriter
	status       int
	beforeStatus func(status int)
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
		if w.beforeStatus != nil {
			w.beforeStatus(status)
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// isWrite reports whether method changes something.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// logWrite writes the audit line of one admin write. r's context holds
// the caller once authentication succeeded; a refused or public call
// (a login) is logged as "anonymous".
func (s *server) logWrite(ctx context.Context, r *http.Request, rt route, id string, status int, code string) {
	attrs := []slog.Attr{
		slog.String("requestId", id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("action", rt.action),
		slog.String("remote", r.RemoteAddr),
	}
	c, ok := ctx.Value(callerKey{}).(*caller)
	switch {
	case !ok:
		attrs = append(attrs, slog.String("who", "anonymous"))
	case c.operator:
		attrs = append(attrs, slog.String("who", "operator"))
	default:
		attrs = append(attrs, slog.String("who", "account"), slog.String("pin", c.pin()),
			slog.String("user", c.user), slog.String("accessKey", c.key.AccessKey))
	}
	attrs = append(attrs, slog.Int("status", status), slog.String("code", code))
	s.log.LogAttrs(ctx, slog.LevelInfo, "admin write", attrs...)
}

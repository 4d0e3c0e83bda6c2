package admin

import (
	"context"
	"net/http"
)

// bodyLimitKey carries a route's own body limit (route.maxBody) to the
// readers of the body: the signature check and the handler.
type bodyLimitKey struct{}

func withBodyLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, bodyLimitKey{}, n)
}

// bodyLimit returns the most bytes of r's body to read: the route's own
// limit, else MaxBodyBytes.
func bodyLimit(r *http.Request) int64 {
	if n, ok := r.Context().Value(bodyLimitKey{}).(int64); ok && n > 0 {
		return n
	}
	return MaxBodyBytes
}

package admin

import (
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestTokenHash: a node that knows only the SHA-256 of the admin token
// (a node of a cluster that did not make it) accepts the token and
// nothing else.
func TestTokenHash(t *testing.T) {
	hs := newHarness(t)
	h := sha256.Sum256([]byte(token))
	handler := New(Config{Store: hs.store, TokenHash: h[:]})
	for _, tt := range []struct {
		bearer string
		want   int
	}{
		{token, http.StatusOK},
		{"another-token", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	} {
		req := httptest.NewRequest(http.MethodGet, "/v1/groups", nil)
		if tt.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+tt.bearer)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("GET /v1/groups with bearer %q: got %d, want %d (%s)", tt.bearer, rec.Code, tt.want, rec.Body)
		}
	}
}

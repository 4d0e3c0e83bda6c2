package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/app"
)

// TestBusinessErrorsEndToEnd: the whole server, a real backend that
// raises codes with X-Tollgate-Error, and a code the publisher adds
// through the admin API while the group is live: the caller gets the
// entries in the group's envelope and language, and a removed code
// becomes the dialect's internal error.
func TestBusinessErrorsEndToEnd(t *testing.T) {
	s := start(t, app.Config{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Tollgate-Error", r.URL.Query().Get("code"))
		w.Header().Set("X-Tollgate-Error-Detail", "frame 7")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"trace":"backend internals"}`))
	}))
	t.Cleanup(backend.Close)
	g := s.publish(map[string]any{"name": "vision", "dialect": "zenith", "language": "zh"},
		map[string]any{"name": "detect", "method": "GET", "path": "/detect"}, "test",
		map[string]any{"type": "http", "urls": []string{backend.URL}})
	host := g + "-test.localhost"

	s.mustCall(201, "POST", "/v1/groups/"+g+"/errors", map[string]any{"code": "70001", "http": 429,
		"message": map[string]any{"en": "The model's quota is used up", "zh": "模型配额已用完"}})
	tests := []struct {
		code, lang string
		status     int
		want       string
	}{
		{"3001", "", 500, `{"error_code":3001,"error_message":"人脸检测失败: frame 7"`},
		{"3001", "en", 500, `{"error_code":3001,"error_message":"Face detect failed!: frame 7"`},
		{"70001", "en", 429, `{"error_code":70001,"error_message":"The model's quota is used up: frame 7"`},
		{"12010", "en", 500, `{"error_code":1106,"error_message":"Request failed!"`},
	}
	for _, tt := range tests {
		r := s.get(host, "/detect?code="+tt.code, "Accept-Language", tt.lang)
		if r.status != tt.status || !strings.HasPrefix(string(r.body), tt.want) || r.header.Get("X-Tollgate-Error") != "" || strings.Contains(string(r.body), "trace") {
			t.Errorf("%s %s: got %d %s %v, want %d %s", tt.code, tt.lang, r.status, r.body, r.header, tt.status, tt.want)
		}
	}
	s.mustCall(204, "DELETE", "/v1/groups/"+g+"/errors/70001", nil)
	if r := s.get(host, "/detect?code=70001"); r.status != 500 || !strings.Contains(string(r.body), `"error_code":1106`) {
		t.Errorf("a removed code: got %d %s, want 500 1106", r.status, r.body)
	}
}

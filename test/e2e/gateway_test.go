package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

func TestDemoGroupAnswers(t *testing.T) {
	s := start(t, app.Config{Demo: true})
	tests := []struct {
		host, path string
		status     int
		want       string
	}{
		{"demo.localhost", "/hello", 200, `"environment":"online"`},
		{"demo-test.localhost", "/greet/ada", 200, `"environment":"test"`},
		{"demo-preview.localhost", "/hello", 404, `"status":"RESOURCE_NOT_EXIST"`},
		{"demo.localhost", "/nope", 404, `"status":"NOT_FOUND"`},
		{"nobody.localhost", "/hello", 404, `"status":"APIGW_SERVICE_NOT_FOUND"`},
	}
	for _, tt := range tests {
		r := s.get(tt.host, tt.path)
		if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
			t.Errorf("GET %s%s: got %d %s, want %d with %s", tt.host, tt.path, r.status, r.body, tt.status, tt.want)
		}
		id := r.header.Get("X-Request-Id")
		if id == "" {
			t.Errorf("GET %s%s: no X-Request-Id", tt.host, tt.path)
		}
		if tt.status != 200 && !strings.Contains(string(r.body), id) {
			t.Errorf("GET %s%s: error body %s does not carry request id %q", tt.host, tt.path, r.body, id)
		}
	}
}

// TestPublishAndProxy walks the quick start against real backends: an API
// with a path variable goes to the backend path; the backend changes from
// mock to HTTP at once; slow, refusing and resetting backends map to their
// codes; going offline answers at once.
func TestPublishAndProxy(t *testing.T) {
	s := start(t, app.Config{})
	echo := proxytest.Echo(t, "echo")
	g := s.publish(
		map[string]any{"name": "shop"},
		map[string]any{"name": "getItem", "method": "GET", "path": "/items/{id}",
			"params":      []map[string]any{{"name": "id", "in": "path", "type": "integer", "required": true}},
			"backendPath": "/v2/items/{id}"},
		"test",
		map[string]any{"type": "mock", "status": 200, "body": `{"item":"mocked"}`},
	)
	host := g + "-test.localhost"

	if r := s.get(host, "/items/42"); r.status != 200 || string(r.body) != `{"item":"mocked"}` {
		t.Fatalf("mock: got %d %s", r.status, r.body)
	}

	s.mustCall(200, "PUT", "/v1/groups/"+g+"/backends/test", map[string]any{"type": "http", "urls": []string{echo.URL}})
	r := s.get(host, "/items/42?color=red", "X-Custom", "kept", "Connection", "X-Drop", "X-Drop", "dropped")
	if r.status != 200 {
		t.Fatalf("http backend: got %d %s", r.status, r.body)
	}
	var got proxytest.Echoed
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.RequestURI != "/v2/items/42?color=red" {
		t.Errorf("backend saw %q, want /v2/items/42?color=red", got.RequestURI)
	}
	if got.Header.Get("X-Custom") != "kept" || got.Header.Get("X-Drop") != "" {
		t.Errorf("backend headers: X-Custom %q (want kept), X-Drop %q (want stripped)", got.Header.Get("X-Custom"), got.Header.Get("X-Drop"))
	}
	if got.Header.Get("X-Forwarded-Host") != host || got.Header.Get("X-Forwarded-Proto") != "http" ||
		got.Header.Get("X-Forwarded-For") != "127.0.0.1" || got.Header.Get("X-Request-Id") != r.header.Get("X-Request-Id") {
		t.Errorf("forwarding headers: %v", got.Header)
	}

	upstream := []struct {
		name   string
		url    string
		status int
		code   string
	}{
		{"slow", proxytest.Slow(t, 2*time.Second).URL, 504, "DEADLINE_EXCEEDED"},
		{"refusing", proxytest.RefusingURL(t), 502, "SOURCE_UNAVAILABLE"},
		{"resetting", proxytest.Resetting(t), 502, "SOURCE_UNAVAILABLE"},
	}
	for _, u := range upstream {
		s.mustCall(200, "PUT", "/v1/groups/"+g+"/backends/test", map[string]any{"type": "http", "urls": []string{u.url}, "timeoutMs": 200})
		r := s.get(host, "/items/1")
		if r.status != u.status || r.errorStatus(t) != u.code {
			t.Errorf("%s backend: got %d %s, want %d %s", u.name, r.status, r.body, u.status, u.code)
		}
	}

	s.mustCall(204, "DELETE", "/v1/groups/"+g+"/deployments/test", nil)
	if r := s.get(host, "/items/1"); r.status != 404 || r.errorStatus(t) != "RESOURCE_NOT_EXIST" {
		t.Errorf("after offline: got %d %s, want 404 RESOURCE_NOT_EXIST", r.status, r.body)
	}
}

// TestDialectsEndToEnd changes a group's dialect through the admin API and
// checks the same refusal in each envelope and language.
func TestDialectsEndToEnd(t *testing.T) {
	s := start(t, app.Config{})
	g := s.publish(map[string]any{"name": "d"},
		map[string]any{"name": "a", "method": "GET", "path": "/a"}, "test",
		map[string]any{"type": "mock"})
	host := g + "-test.localhost"
	tests := []struct {
		dialect, lang string
		want          string
	}{
		{"jdcloud", "", `"error":{"code":404,"status":"NOT_FOUND","message":"API cannot be found"}`},
		{"jdcloud", "zh-CN", `"status":"NOT_FOUND","message":"找不到 API"`},
		{"market", "", `"code":"10003","charge":false`},
		{"zenith", "", `"error_code":1000`},
		{"tencent", "zh", `"code":6100`},
	}
	for _, tt := range tests {
		s.mustCall(200, "PATCH", "/v1/groups/"+g, map[string]any{"dialect": tt.dialect})
		r := s.get(host, "/missing", "Accept-Language", tt.lang)
		if r.status != 404 || !strings.Contains(string(r.body), tt.want) || !strings.Contains(string(r.body), r.header.Get("X-Request-Id")) {
			t.Errorf("%s %s: got %d %s, want 404 with %s and the request id", tt.dialect, tt.lang, r.status, r.body, tt.want)
		}
	}

	// Clients of a live API depend on its error format: once online, the
	// dialect is fixed.
	s.mustCall(201, "POST", "/v1/groups/"+g+"/deployments", map[string]any{"revision": "1.0.0", "environment": "online"})
	if r := s.call("PATCH", "/v1/groups/"+g, map[string]any{"dialect": "jdcloud"}); r.status != 400 || r.errorStatus(t) != "APIGATEWAY_MODIFY_ERROR" {
		t.Errorf("dialect change while online: got %d %s, want 400 APIGATEWAY_MODIFY_ERROR", r.status, r.body)
	}
}

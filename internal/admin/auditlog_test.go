package admin

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestWritesAreLogged checks the audit line of admin writes: who (the
// operator, an account's key, a user's key, or anonymous), what (method,
// path, action) and the result (status and code), at INFO; a refused
// write is logged too; reads are not; and no body reaches the log.
func TestWritesAreLogged(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	var buf bytes.Buffer
	hs.srv.log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))

	gid := hs.must("POST", "/v1/groups", `{"name":"audited","owner":"acme"}`, 201).str("groupId")
	hs.mustAs(a.key, "POST", "/v1/accounts/acme/users", `{"name":"eve","password":"a secret password"}`, 201)
	hs.mustAs(a.userKey, "PATCH", "/v1/groups/"+gid, `{"description":"by the user"}`, 200)
	hs.mustAs(a.key, "GET", "/v1/groups/"+gid, ``, 200)                                      // a read
	hs.do("POST", "/v1/blacklist", `{"kind":"ip","value":"0.0.0.0/0"}`)                      // refused
	hs.call("DELETE", "/v1/groups/"+gid, ``, nil)                                            // no credentials
	hs.do("POST", "/v1/login", `{"pin":"acme","user":"eve","password":"a secret password"}`) // public

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	want := []map[string]any{
		{"method": "POST", "path": "/v1/groups", "action": "groups.create", "who": "operator", "status": 201.0, "code": ""},
		{"method": "POST", "action": "users.create", "who": "account", "pin": "acme", "user": "", "accessKey": a.key.ak, "status": 201.0},
		{"method": "PATCH", "action": "groups.update", "who": "account", "pin": "acme", "user": "acme-dev", "accessKey": a.userKey.ak, "status": 200.0},
		{"method": "POST", "action": "blacklist.create", "who": "operator", "status": 400.0, "code": "APIGW_PARAM_VALUE_INVALID"},
		{"method": "DELETE", "action": "groups.delete", "who": "anonymous", "status": 401.0},
		{"method": "POST", "path": "/v1/login", "who": "anonymous", "status": 201.0},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d log lines, want %d (one per write, none for the read):\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if lines[i]["level"] != "INFO" || lines[i]["msg"] != "admin write" || lines[i]["requestId"] == "" {
			t.Errorf("line %d: got %v, want an INFO \"admin write\" with a request id", i, lines[i])
		}
		for k, v := range w {
			if got := lines[i][k]; got != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, got, v)
			}
		}
	}
	for _, secret := range []string{"a secret password", string(a.key.sk), string(a.userKey.sk), "by the user"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
}

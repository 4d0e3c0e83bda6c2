package gateway

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestAccessLogNamesTheCaller checks that each access log line says who
// called what: the account's pin, the user and the access key the
// request was signed with, and the API by id and name; and that a call to
// an open group, or one whose key is unknown, names no one.
func TestAccessLogNamesTheCaller(t *testing.T) {
	h := newSignedHarness(t, Config{})
	calls := []struct {
		host, path string
		s          signing
		want       map[string]any
	}{
		{hostJD, "/users/1", signing{scheme: model.SchemeJDCloud2, ak: "AK"},
			map[string]any{"status": 200.0, "pin": "acme", "user": "", "access_key": "AK", "api": "getUser", "api_name": "getUser"}},
		{hostJD, "/echo", signing{scheme: model.SchemeJDCloud2, ak: "AKDEV"},
			map[string]any{"status": 200.0, "pin": "acme", "user": "dev", "access_key": "AKDEV", "api": "echo"}},
		// Refused callers are named too: a disabled account's key.
		{hostJD, "/users/1", signing{scheme: model.SchemeJDCloud2, ak: "AKDIS"},
			map[string]any{"pin": "off", "access_key": "AKDIS", "api": "getUser"}},
		{hostJD, "/users/1", signing{scheme: model.SchemeJDCloud2, ak: "AKNOSUCH"},
			map[string]any{"pin": "", "user": "", "access_key": ""}},
	}
	for _, c := range calls {
		h.do(h.signed("GET", c.host, c.path, "", c.s))
	}
	h.get(hostOpen, "/users/1")
	h.waitServed(len(calls) + 1)
	lines := h.logLines()
	if len(lines) != len(calls)+1 {
		t.Fatalf("got %d access log lines, want %d", len(lines), len(calls)+1)
	}
	for i, c := range calls {
		for k, v := range c.want {
			if got := lines[i][k]; got != v {
				t.Errorf("call %d (%s %s as %s): log %s = %v, want %v", i, c.host, c.path, c.s.ak, k, got, v)
			}
		}
	}
	open := lines[len(calls)]
	if open["pin"] != "" || open["access_key"] != "" || open["api"] != "getUser" {
		t.Errorf("open group's line: got %v, want no caller and api getUser", open)
	}
	for _, line := range lines {
		for k := range line {
			if k == "secret" || k == "signature" || k == "authorization" {
				t.Errorf("access log line has %q: %v", k, line)
			}
		}
	}
}

package admin

import (
	"strings"
	"testing"
	"time"
)

// TestGroupErrorsAPI: a tenant adds, lists and removes codes of its
// group's own through the admin API; what the API must refuse, it refuses
// with the code and status the document names; and another tenant can
// neither read nor change them (TestTenantMatrix covers every route).
func TestGroupErrorsAPI(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	base := "/v1/groups/" + a.group + "/errors"
	before := hs.changes.Load()
	res := hs.mustAs(a.key, "POST", base, `{"code":"MODEL_OFFLINE","http":503,"message":{"en":"The model is offline","zh":"模型离线"},"solution":{"en":"Try later","zh":"稍后重试"}}`, 201)
	if res.str("code") != "MODEL_OFFLINE" || res.body["http"] != float64(503) || res.header.Get("Location") != base+"/MODEL_OFFLINE" {
		t.Errorf("POST: got %s, Location %q", res.raw, res.header.Get("Location"))
	}
	if hs.changes.Load() == before {
		t.Error("POST: the data plane was not told of the change")
	}
	list := hs.mustAs(a.key, "GET", base, ``, 200)
	errs, _ := list.body["errors"].([]any)
	if list.str("dialect") != "jdcloud" || len(errs) != 1 || !strings.Contains(list.raw, "模型离线") {
		t.Errorf("GET: got %s", list.raw)
	}

	refusals := []struct {
		body   string
		status int
		code   string
	}{
		{`{"code":"MODEL_OFFLINE","http":500,"message":{"en":"x","zh":"x"}}`, 403, "APIGW_RECORD_CONFLICT"}, // the group has it
		{`{"code":"NOT_FOUND","http":404,"message":{"en":"x","zh":"x"}}`, 403, "APIGW_RECORD_CONFLICT"},     // the dialect has it
		{`{"code":"model-offline","http":503,"message":{"en":"x","zh":"x"}}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{`{"code":"TEAPOT","http":302,"message":{"en":"x","zh":"x"}}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{`{"code":"TEAPOT","http":418,"message":{"en":"x"}}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND"},
		{`{"code":"TEAPOT","http":418,"message":{"en":"` + strings.Repeat("x", 257) + `","zh":"x"}}`, 400, "APIGW_PARAM_VALUE_INVALID"},
		{`{"code":"TEAPOT","http":418,"message":{"en":"x","zh":"x"},"groupId":"` + b.group + `"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT"},
	}
	for _, r := range refusals {
		res := hs.as(a.key, "POST", base, r.body)
		if res.status != r.status || res.errStatus() != r.code {
			t.Errorf("POST %.80s: got %d %s, want %d %s", r.body, res.status, res.raw, r.status, r.code)
		}
	}
	// A's group answers in zenith from now on: numbers only.
	hs.mustAs(a.key, "PATCH", "/v1/groups/"+a.group, `{"dialect":"zenith"}`, 200)
	if res := hs.as(a.key, "POST", base, `{"code":"FACE_SMALL","http":422,"message":{"en":"x","zh":"x"}}`); res.status != 400 || res.errStatus() != "APIGW_PARAM_VALUE_INVALID" {
		t.Errorf("a named code in a zenith group: got %d %s", res.status, res.raw)
	}
	if res := hs.as(a.key, "POST", base, `{"code":"3001","http":422,"message":{"en":"x","zh":"x"}}`); res.status != 403 {
		t.Errorf("zenith's 3001 in a zenith group: got %d %s", res.status, res.raw)
	}
	hs.mustAs(a.key, "POST", base, `{"code":"70001","http":422,"message":{"en":"x","zh":"x"}}`, 201)

	// B's key on A's codes: refused, A's codes untouched.
	if res := hs.as(b.key, "GET", base, ``); res.status != 403 {
		t.Errorf("B reads A's codes: got %d %s", res.status, res.raw)
	}
	if res := hs.as(b.key, "DELETE", base+"/70001", ``); res.status != 403 {
		t.Errorf("B deletes A's code: got %d %s", res.status, res.raw)
	}
	if res := hs.as(b.key, "POST", "/v1/groups/"+b.group+"/errors/", `{}`); res.status == 201 {
		t.Errorf("a POST to a code path created something: %s", res.raw)
	}

	hs.mustAs(a.key, "DELETE", base+"/70001", ``, 204)
	hs.clock.Advance(time.Second) // or the same call would be a replay
	if res := hs.as(a.key, "DELETE", base+"/70001", ``); res.status != 404 {
		t.Errorf("DELETE twice: got %d %s", res.status, res.raw)
	}
	if res := hs.as(a.key, "GET", "/v1/groups/"+a.group+"/errors", ``); len(res.body["errors"].([]any)) != 1 {
		t.Errorf("after DELETE: %s", res.raw)
	}
}

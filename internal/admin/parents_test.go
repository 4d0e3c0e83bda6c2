package admin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestParents: a call that ties resources of two groups is 409 CONFLICT
// where the caller sees both groups, and otherwise answers as if the
// other group's resource did not exist, byte for byte in every dialect
// but for the id the call names; nothing changes either way.
func TestParents(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	second := hs.must("POST", "/v1/groups", `{"name":"second","owner":"tenant-a"}`, 201).str("groupId")
	secondAPI := hs.must("POST", "/v1/groups/"+second+"/apis", `{"name":"other","method":"GET","path":"/other"}`, 201).str("apiId")
	hs.must("POST", "/v1/groups/"+second+"/revisions", `{"revision":"3.0.0"}`, 201)
	// A user whose role covers A's first group only.
	hs.must("POST", "/v1/accounts/tenant-a/roles", fmt.Sprintf(`{"name":"first","groups":[%q],"actions":["*"]}`, a.group), 201)
	hs.must("POST", "/v1/accounts/tenant-a/users", `{"name":"narrow","role":"first"}`, 201)
	narrow := keyOf(t, hs.must("POST", "/v1/accounts/tenant-a/keys", `{"user":"narrow"}`, 201))

	deploy := "/v1/groups/" + a.group + "/deployments"
	authz := "/v1/groups/" + a.group + "/authorizations"
	deployFrom := func(group, rev string) string {
		return fmt.Sprintf(`{"revision":%q,"environment":"online","groupId":%q}`, rev, group)
	}
	authorizeAPI := func(api string) string {
		return fmt.Sprintf(`{"environment":"online","pin":"tenant-b","apis":[%q]}`, api)
	}
	tests := []struct {
		name       string
		k          *creds // nil: the operator
		path, body string
		// like, when set, is a body naming what does not exist that
		// must be answered the same, but for ids (replace).
		like    string
		replace []string
		cond    *errcode.Condition
	}{
		{name: "A deploys its other group's revision", k: &a.key, path: deploy, body: deployFrom(second, "3.0.0"), cond: errcode.ParentMismatch},
		{name: "the operator deploys another group's revision", path: deploy, body: deployFrom(b.group, "1.0.0"), cond: errcode.ParentMismatch},
		{name: "A deploys B's revision", k: &a.key, path: deploy, body: deployFrom(b.group, "1.0.0"),
			like: deployFrom("g-nosuchgrp0", "1.0.0"), replace: []string{b.group, "g-nosuchgrp0"}, cond: errcode.ResourceNotFound},
		{name: "A deploys a revision its other group lacks", k: &a.key, path: deploy, body: deployFrom(second, "1.0.0"),
			like: deployFrom("g-nosuchgrp0", "1.0.0"), replace: []string{second, "g-nosuchgrp0"}, cond: errcode.ResourceNotFound},
		{name: "a user deploys from a group its role does not cover", k: &narrow, path: deploy, body: deployFrom(second, "3.0.0"),
			like: deployFrom("g-nosuchgrp0", "3.0.0"), replace: []string{second, "g-nosuchgrp0"}, cond: errcode.ResourceNotFound},
		{name: "A authorizes its other group's API", k: &a.key, path: authz, body: authorizeAPI(secondAPI), cond: errcode.ParentMismatch},
		{name: "A authorizes B's API", k: &a.key, path: authz, body: authorizeAPI(b.api),
			like: authorizeAPI("api-nosuchapi0"), replace: []string{b.api, "api-nosuchapi0"}, cond: errcode.RecordNotFound},
	}
	call := func(k *creds, path, body string, d errcode.Dialect) response {
		h := http.Header{dialectHeader: {string(d)}, "X-Request-Id": {"parents"}}
		if k == nil {
			h.Set("Authorization", "Bearer "+token)
			return hs.call("POST", path, body, h)
		}
		hs.clock.Advance(time.Second)
		return hs.serve(hs.signedRequest(model.SchemeAWS4, *k, "POST", path, body, h))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs.t = t
			before := hs.state()
			for _, d := range errcode.Dialects {
				res := call(tt.k, tt.path, tt.body, d)
				if res.status != tt.cond.HTTP() || res.code(d) != tt.cond.Entry(d).Code {
					t.Errorf("%s: got %d %s, want %d %s", d, res.status, res.raw, tt.cond.HTTP(), tt.cond.Entry(d).Code)
				}
				if tt.like == "" {
					continue
				}
				missing := call(tt.k, tt.path, tt.like, d)
				if got := strings.NewReplacer(tt.replace...).Replace(res.raw); res.status != missing.status || got != missing.raw {
					t.Errorf("%s: got\n%d %s\nwhere what does not exist answers\n%d %s", d, res.status, got, missing.status, missing.raw)
				}
			}
			if hs.state() != before {
				t.Error("the refusal changed the store")
			}
		})
	}
	// The same body for the path's own group deploys.
	hs.mustAs(a.key, "POST", deploy, deployFrom(a.group, "1.0.0"), 201)
}

package admin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// actor is who makes a call of the matrix.
type actor int

const (
	actAccount  actor = iota // the account, with its own key
	actUser                  // its user, whose role allows everything
	actOperator              // the admin token
)

// matrixCase is one route of the admin API, with how to name a tenant's
// resource in it and what each caller gets on the tenant's own.
type matrixCase struct {
	method, pattern string
	// path returns the route's path for tenant t, as actor a will call
	// it (a user's key routes name a key of the user's own).
	path func(hs *harness, t *tenant, a actor) string
	// body returns the body for a call on t's resources; cross is set
	// when the caller is another tenant.
	body func(hs *harness, t *tenant, a actor, cross bool) string
	// account, user and operator are the statuses on the tenant's own
	// resources; userCode is the user's refusal code, if refused.
	account, user, operator int
	userCode                string
}

// TestTenantMatrix is the proof of tenant isolation. Accounts A and B
// each have a group, an API, a deployment, keys, a user with a role that
// allows everything, and an authorization. For every route of the admin
// API, signed by a scheme of package auth:
//
//   - A's key and A's user's key on B's resources, in every dialect: 403
//     errcode.Hidden (APIGATEWAY_HTTP_FORBIDDEN, tencent 5000...), or
//     errcode.Forbidden for what is the operator's; byte for byte the
//     answer to the same call naming ids that do not exist; and the store
//     is unchanged;
//   - A's key on A's: allowed (the operator's routes: 403);
//   - A's user on A's: allowed, but for what only the account may do
//     (APIGW_CHILD_ACCOUNT_NOT_ALLOWED) and the operator's routes;
//   - the admin token on A's: allowed.
//
// The market's public reads (B's plans) answer A too, without B's
// withdrawn plans; a usage report answers A with none of B's calls to
// B's groups (market_matrix_test.go).
func TestTenantMatrix(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	cases := matrixCases()

	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.method+" "+c.pattern] = true
	}
	for _, rt := range hs.srv.routes() {
		if rt.scope != scopePublic && !covered[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s is not in the matrix", rt.method, rt.pattern)
		}
	}

	scopes := map[string]scope{}
	for _, rt := range hs.srv.routes() {
		scopes[rt.method+" "+rt.pattern] = rt.scope
	}
	calls := 0
	for i, c := range cases {
		t.Run(c.method+" "+c.pattern, func(t *testing.T) {
			scheme := signingSchemes[i%len(signingSchemes)]
			if c.body != nil && scheme == "TENCENT-V1" {
				scheme = "AWS4-HMAC-SHA256" // TENCENT-V1 does not sign bodies
			}
			body := func(t *tenant, a actor, cross bool) string {
				if c.body == nil {
					return ""
				}
				return c.body(hs, t, a, cross)
			}
			call := func(k creds, path, body string) response {
				// A second apart, so that no two calls share a signature.
				hs.clock.Advance(time.Second)
				calls++
				return hs.signed(scheme, k, c.method, path, body)
			}
			// inDialect is call asking for dialect d, with a request id
			// of the test's, so that two answers can be compared whole.
			inDialect := func(d errcode.Dialect, k creds, path, body string) response {
				hs.clock.Advance(time.Second)
				calls++
				return hs.serve(hs.signedRequest(scheme, k, c.method, path, body,
					http.Header{dialectHeader: {string(d)}, "X-Request-Id": {"matrix"}}))
			}
			want := errcode.Hidden
			if scopes[c.method+" "+c.pattern] == scopeOperator || c.method == "POST" && (c.pattern == "/v1/groups" || c.pattern == "/v1/policies") {
				want = errcode.Forbidden // the operator's, whoever it is for
			}

			// A against B, in every dialect: refused, whether or not the
			// resource exists, and nothing changes.
			for _, who := range []struct {
				name string
				k    creds
				a    actor
			}{{"A's key", a.key, actAccount}, {"A's user's key", a.userKey, actUser}} {
				path, body := c.path(hs, b, actAccount), body(b, who.a, true)
				gone := strings.NewReplacer(hs.idsOf(b)...)
				before := hs.state()
				for _, d := range errcode.Dialects {
					res := inDialect(d, who.k, path, body)
					refused, refusal := crossRefused(c, res, b, d, want)
					if !refused {
						t.Errorf("%s on B's %s %s (%s, %s): got %d %s, want 403 %s", who.name, c.method, path, scheme, d, res.status, res.raw, want.Entry(d).Code)
					}
					if !refusal {
						continue
					}
					// The same call naming ids that do not exist.
					missing := inDialect(d, who.k, gone.Replace(path), gone.Replace(body))
					if missing.status != res.status || missing.raw != res.raw || missing.header.Get("Content-Type") != res.header.Get("Content-Type") {
						t.Errorf("%s on B's %s %s (%s): B's answers\n%d %s\nids that do not exist\n%d %s", who.name, c.method, path, d,
							res.status, res.raw, missing.status, missing.raw)
					}
				}
				if after := hs.state(); after != before {
					t.Errorf("%s on B's %s %s changed the store", who.name, c.method, path)
				}
			}

			// A on A's own.
			path := c.path(hs, a, actAccount)
			if res := call(a.key, path, body(a, actAccount, false)); res.status != c.account {
				t.Errorf("A's key on A's %s %s (%s): got %d %s, want %d", c.method, path, scheme, res.status, res.raw, c.account)
			}
			path = c.path(hs, a, actUser)
			res := call(a.userKey, path, body(a, actUser, false))
			if res.status != c.user || c.userCode != "" && res.errStatus() != c.userCode {
				t.Errorf("A's user on A's %s %s (%s): got %d %s, want %d %s", c.method, path, scheme, res.status, res.raw, c.user, c.userCode)
			}
			path = c.path(hs, a, actOperator)
			hs.clock.Advance(time.Second)
			calls++
			if res := hs.do(c.method, path, body(a, actOperator, false)); res.status != c.operator {
				t.Errorf("the admin token on A's %s %s: got %d %s, want %d", c.method, path, res.status, res.raw, c.operator)
			}
		})
	}
	t.Logf("%d routes, %d calls", len(cases), calls)
}

// crossRefused reports whether res, in dialect d, is the answer to a call
// on another tenant's resources, and whether that answer is a refusal
// (want). The routes every tenant calls on its own (the group list, group
// creation) are refused when the call names the other tenant (an owner),
// and answer only the caller's own otherwise.
func crossRefused(c matrixCase, res response, other *tenant, d errcode.Dialect, want *errcode.Condition) (refused, refusal bool) {
	if refused, ok := marketCrossRefused(c, res, other); ok {
		return refused, false
	}
	if (c.pattern == "/v1/groups" || c.pattern == "/v1/policies") && c.method == "GET" {
		return res.status == 200 && !strings.Contains(res.raw, other.group) && !strings.Contains(res.raw, other.pin), false
	}
	return res.status == want.HTTP() && res.code(d) == want.Entry(d).Code && !strings.Contains(res.raw, other.group), true
}

// idsOf returns, as pairs for strings.NewReplacer, each id of t's that a
// call of the matrix may name, with an id of the same kind that names
// nothing.
func (hs *harness) idsOf(t *tenant) []string {
	m := hs.marketOf(t)
	return []string{
		t.group, "g-nosuchgrp0",
		hs.policyOf(t), "pol-nosuchpol0",
		m.sub, "sub-nosuchsub0",
		m.plan, "plan-nosuchpln0",
		m.withdrawn, "plan-nosuchpln1",
		t.pin, "nosuch-tenant",
	}
}

func matrixCases() []matrixCase {
	const child = "APIGW_CHILD_ACCOUNT_NOT_ALLOWED"
	const forbid = "APIGATEWAY_HTTP_FORBIDDEN"
	acct := func(suffix string) func(*harness, *tenant, actor) string {
		return func(_ *harness, t *tenant, _ actor) string { return "/v1/accounts/" + t.pin + suffix }
	}
	grp := func(suffix string) func(*harness, *tenant, actor) string {
		return func(_ *harness, t *tenant, _ actor) string { return "/v1/groups/" + t.group + suffix }
	}
	fixed := func(p string) func(*harness, *tenant, actor) string {
		return func(*harness, *tenant, actor) string { return p }
	}
	// key returns a path to a fresh key: the user's own for the user.
	key := func(suffix string) func(*harness, *tenant, actor) string {
		return func(hs *harness, t *tenant, a actor) string {
			user := ""
			if a == actUser {
				user = t.user
			}
			return "/v1/accounts/" + t.pin + "/keys/" + hs.newKey(t, user) + suffix
		}
	}
	// static is a body that is the same for every call.
	static := func(b string) func(*harness, *tenant, actor, bool) string {
		return func(*harness, *tenant, actor, bool) string { return b }
	}
	return append([]matrixCase{
		{method: "POST", pattern: "/v1/accounts", path: fixed("/v1/accounts"),
			body: static(`{"pin":"newcomer"}`), account: 403, user: 403, userCode: forbid, operator: 201},
		{method: "GET", pattern: "/v1/accounts", path: fixed("/v1/accounts"),
			account: 403, user: 403, userCode: forbid, operator: 200},
		{method: "GET", pattern: "/v1/accounts/{pin}", path: acct(""), account: 200, user: 200, operator: 200},
		{method: "PATCH", pattern: "/v1/accounts/{pin}", path: acct(""), body: static(`{"name":"renamed"}`),
			account: 200, user: 403, userCode: child, operator: 200},

		{method: "DELETE", pattern: "/v1/accounts/{pin}/mfa", path: acct("/mfa"), account: 204, user: 403, userCode: child, operator: 204},
		{method: "PUT", pattern: "/v1/accounts/{pin}/mfa", path: acct("/mfa"), body: static(`{"actions":[]}`),
			account: 200, user: 403, userCode: child, operator: 200},

		{method: "POST", pattern: "/v1/accounts/{pin}/keys", path: acct("/keys"), body: static(`{"kind":"appkey"}`), account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/accounts/{pin}/keys", path: acct("/keys"), account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/accounts/{pin}/keys/{accessKey}", path: key(""), account: 200, user: 200, operator: 200},
		{method: "PATCH", pattern: "/v1/accounts/{pin}/keys/{accessKey}", path: key(""), body: static(`{"enabled":false}`), account: 200, user: 200, operator: 200},
		{method: "POST", pattern: "/v1/accounts/{pin}/keys/{accessKey}/rotate", path: key("/rotate"), body: static(`{"graceSeconds":60}`), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/keys/{accessKey}", path: key(""), account: 204, user: 204, operator: 204},

		{method: "POST", pattern: "/v1/accounts/{pin}/users", path: acct("/users"), body: func(_ *harness, t *tenant, _ actor, _ bool) string { return fmt.Sprintf(`{"name":%q}`, t.next("-n")) },
			account: 201, user: 403, userCode: child, operator: 201},
		{method: "GET", pattern: "/v1/accounts/{pin}/users", path: acct("/users"), account: 200, user: 403, userCode: child, operator: 200},
		{method: "GET", pattern: "/v1/accounts/{pin}/users/{name}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/accounts/" + t.pin + "/users/" + t.user
		}, account: 200, user: 403, userCode: child, operator: 200},
		{method: "PATCH", pattern: "/v1/accounts/{pin}/users/{name}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/accounts/" + t.pin + "/users/" + hs.newUser(t)
		}, body: static(`{"status":"disabled"}`), account: 200, user: 403, userCode: child, operator: 200},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/users/{name}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/accounts/" + t.pin + "/users/" + hs.newUser(t)
		}, account: 204, user: 403, userCode: child, operator: 204},

		{method: "POST", pattern: "/v1/accounts/{pin}/roles", path: acct("/roles"), body: func(_ *harness, t *tenant, _ actor, _ bool) string {
			return fmt.Sprintf(`{"name":%q,"actions":["groups.read"]}`, t.next("r"))
		},
			account: 201, user: 403, userCode: child, operator: 201},
		{method: "GET", pattern: "/v1/accounts/{pin}/roles", path: acct("/roles"), account: 200, user: 403, userCode: child, operator: 200},
		{method: "GET", pattern: "/v1/accounts/{pin}/roles/{name}", path: acct("/roles/all"), account: 200, user: 403, userCode: child, operator: 200},
		{method: "PUT", pattern: "/v1/accounts/{pin}/roles/{name}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/accounts/" + t.pin + "/roles/" + hs.newRole(t)
		}, body: static(`{"actions":["keys.*"]}`), account: 200, user: 403, userCode: child, operator: 200},
		{method: "DELETE", pattern: "/v1/accounts/{pin}/roles/{name}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/accounts/" + t.pin + "/roles/" + hs.newRole(t)
		}, account: 204, user: 403, userCode: child, operator: 204},

		{method: "POST", pattern: "/v1/blacklist", path: fixed("/v1/blacklist"), body: func(_ *harness, t *tenant, _ actor, _ bool) string {
			t.throwaway++
			return fmt.Sprintf(`{"kind":"ip","value":"198.51.100.%d"}`, t.throwaway)
		},
			account: 403, user: 403, userCode: forbid, operator: 201},
		{method: "GET", pattern: "/v1/blacklist", path: fixed("/v1/blacklist"), account: 403, user: 403, userCode: forbid, operator: 200},
		{method: "DELETE", pattern: "/v1/blacklist/{entryId}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/blacklist/" + hs.newBlacklistEntry(t)
		}, account: 403, user: 403, userCode: forbid, operator: 204},

		{method: "POST", pattern: "/v1/groups", path: fixed("/v1/groups"), body: func(_ *harness, t *tenant, a actor, cross bool) string {
			if cross || a == actOperator {
				// Another tenant may not make a group of t's; the
				// operator may.
				return fmt.Sprintf(`{"name":%q,"owner":%q}`, t.next("-new"), t.pin)
			}
			return fmt.Sprintf(`{"name":%q}`, t.next("-new"))
		}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups", path: fixed("/v1/groups"), account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}", path: grp(""), account: 200, user: 200, operator: 200},
		{method: "PATCH", pattern: "/v1/groups/{groupId}", path: grp(""), body: static(`{"description":"changed"}`), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + hs.newGroup(t)
		}, account: 204, user: 204, operator: 204},

		{method: "POST", pattern: "/v1/groups/{groupId}/apis", path: grp("/apis"), body: func(_ *harness, t *tenant, _ actor, _ bool) string {
			n := t.next("x")
			return fmt.Sprintf(`{"name":%q,"method":"POST","path":"/%s"}`, n, n)
		},
			account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/apis", path: grp("/apis"), account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/apis/{apiId}", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/apis/" + t.api
		}, account: 200, user: 200, operator: 200},
		{method: "PATCH", pattern: "/v1/groups/{groupId}/apis/{apiId}", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/apis/" + t.api
		}, body: static(`{"description":"changed"}`), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/apis/{apiId}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/apis/" + hs.newAPI(t)
		}, account: 204, user: 204, operator: 204},
		{method: "POST", pattern: "/v1/groups/{groupId}/apis/{apiId}/debug", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/apis/" + t.api + "/debug"
		}, body: static(`{"environment":"test"}`), account: 200, user: 200, operator: 200},

		{method: "POST", pattern: "/v1/groups/{groupId}/import", path: grp("/import"), body: static(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},` +
			`"paths":{"/imported":{"get":{"operationId":"imported","responses":{"200":{"description":"ok"}}}}}}`),
			account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/openapi.json", path: grp("/openapi.json"), account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/openapi.yaml", path: grp("/openapi.yaml"), account: 200, user: 200, operator: 200},

		{method: "PUT", pattern: "/v1/groups/{groupId}/backends/{environment}", path: grp("/backends/online"), body: static(`{"type":"mock","body":"x"}`),
			account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/backends/{environment}", path: grp("/backends/test"), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/backends/{environment}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/backends/" + hs.newBackend(t)
		}, account: 204, user: 204, operator: 204},

		{method: "POST", pattern: "/v1/groups/{groupId}/errors", path: grp("/errors"), body: func(_ *harness, t *tenant, _ actor, _ bool) string {
			return groupErrorBody(t)
		}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/errors", path: grp("/errors"), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/errors/{code}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/errors/" + hs.newGroupError(t)
		}, account: 204, user: 204, operator: 204},

		{method: "POST", pattern: "/v1/groups/{groupId}/revisions", path: grp("/revisions"), body: func(_ *harness, t *tenant, _ actor, _ bool) string {
			t.throwaway++
			return fmt.Sprintf(`{"revision":"2.0.%d"}`, t.throwaway)
		},
			account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/revisions", path: grp("/revisions"), account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/revisions/{revision}", path: grp("/revisions/1.0.0"), account: 200, user: 200, operator: 200},

		{method: "POST", pattern: "/v1/groups/{groupId}/deployments", path: grp("/deployments"), body: static(`{"revision":"1.0.0","environment":"online"}`),
			account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/deployments", path: grp("/deployments"), account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/deployments/{environment}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/deployments/" + hs.newDeployment(t)
		}, account: 204, user: 204, operator: 204},

		{method: "POST", pattern: "/v1/groups/{groupId}/authorizations", path: grp("/authorizations"), body: func(hs *harness, t *tenant, _ actor, _ bool) string {
			return fmt.Sprintf(`{"environment":"online","accessKey":%q}`, hs.newKey(t, ""))
		},
			account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/authorizations", path: grp("/authorizations"), account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/authorizations/{authorizationId}", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/authorizations/" + t.authz
		}, account: 200, user: 200, operator: 200},
		{method: "DELETE", pattern: "/v1/groups/{groupId}/authorizations/{authorizationId}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/groups/" + t.group + "/authorizations/" + hs.newAuthorization(t)
		}, account: 204, user: 204, operator: 204},
	}, append(policyMatrixCases(), marketMatrixCases()...)...)
}

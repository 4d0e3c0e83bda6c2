package admin

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// market is a tenant's standing market fixture: a free plan on its group,
// a withdrawn plan, a subscription of its own to the free plan, and an
// hour of usage of its own calls to its group.
type market struct {
	plan, withdrawn, sub string
}

var matrixMarkets sync.Map // "harness pointer/pin" → market

func (hs *harness) marketOf(t *tenant) market {
	k := fmt.Sprintf("%p/%s", hs, t.pin)
	if m, ok := matrixMarkets.Load(k); ok && hs.do("GET", "/v1/subscriptions/"+m.(market).sub, "").status == 200 {
		return m.(market)
	}
	hs.must("PATCH", "/v1/accounts/"+t.pin, `{"realNameVerified":true}`, 200)
	plans := "/v1/groups/" + t.group + "/plans"
	m := market{
		plan:      hs.must("POST", plans, fmt.Sprintf(`{"name":%q}`, t.next("-free")), 201).str("planId"),
		withdrawn: hs.must("POST", plans, fmt.Sprintf(`{"name":%q,"pricePerCall":1}`, t.next("-old")), 201).str("planId"),
	}
	hs.must("PATCH", plans+"/"+m.withdrawn, `{"withdrawn":true}`, 200)
	m.sub = subscriptionID(hs.must("POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":%q,"planId":%q}`, t.pin, m.plan), 201))
	err := hs.srv.counter.Add(context.Background(), limit.UsageKey{AccessKey: t.key.ak, Pin: t.pin, Group: t.group, API: t.api, Env: "test"},
		limit.Usage{Calls: 2, OK: 1})
	if err != nil {
		hs.t.Fatal(err)
	}
	matrixMarkets.Store(k, m)
	return m
}

// subscriptionID returns the id of the subscription a purchase answered.
func subscriptionID(res response) string {
	sub, _ := res.body["subscription"].(map[string]any)
	id, _ := sub["subscriptionId"].(string)
	return id
}

// marketPublic lists the routes every authenticated caller may call on
// any group: what the market sells.
var marketPublic = map[string]bool{
	"GET /v1/groups/{groupId}/plans":          true,
	"GET /v1/groups/{groupId}/plans/{planId}": true,
}

// marketCrossRefused is crossRefused for the market's routes that every
// tenant may call on another's resources: they answer, but show no
// withdrawn plan (the public reads), and no row of the other's calls to
// its own groups (usage).
func marketCrossRefused(c matrixCase, res response, other *tenant) (refused, ok bool) {
	switch {
	case marketPublic[c.method+" "+c.pattern]:
		return res.status == 200 && !strings.Contains(res.raw, `"withdrawn":true`), true
	case c.method == "GET" && c.pattern == "/v1/usage":
		return res.status == 200 && !strings.Contains(res.raw, other.group) && !strings.Contains(res.raw, `"pin":"`+other.pin+`"`), true
	}
	return false, false
}

func marketMatrixCases() []matrixCase {
	const forbid = "APIGATEWAY_HTTP_FORBIDDEN"
	grp := func(suffix string) func(*harness, *tenant, actor) string {
		return func(_ *harness, t *tenant, _ actor) string { return "/v1/groups/" + t.group + suffix }
	}
	plan := func(hs *harness, t *tenant, _ actor) string {
		return "/v1/groups/" + t.group + "/plans/" + hs.marketOf(t).plan
	}
	return []matrixCase{
		{method: "POST", pattern: "/v1/groups/{groupId}/plans", path: grp("/plans"),
			body: func(_ *harness, t *tenant, _ actor, _ bool) string {
				return fmt.Sprintf(`{"name":%q,"pricePerCall":2,"totalCalls":100,"dailyLimit":10,"qps":5}`, t.next("-p"))
			}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/groups/{groupId}/plans", path: func(hs *harness, t *tenant, _ actor) string {
			hs.marketOf(t)
			return "/v1/groups/" + t.group + "/plans"
		}, account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/groups/{groupId}/plans/{planId}", path: plan, account: 200, user: 200, operator: 200},
		{method: "PATCH", pattern: "/v1/groups/{groupId}/plans/{planId}", path: plan,
			body: func(_ *harness, t *tenant, _ actor, _ bool) string {
				return fmt.Sprintf(`{"name":%q}`, t.next("-renamed"))
			},
			account: 200, user: 200, operator: 200},
		{method: "POST", pattern: "/v1/subscriptions", path: func(*harness, *tenant, actor) string { return "/v1/subscriptions" },
			body: func(hs *harness, t *tenant, _ actor, _ bool) string {
				return fmt.Sprintf(`{"pin":%q,"planId":%q}`, t.pin, hs.marketOf(t).plan)
			}, account: 201, user: 201, operator: 201},
		{method: "GET", pattern: "/v1/subscriptions", path: func(hs *harness, t *tenant, _ actor) string {
			hs.marketOf(t)
			return "/v1/subscriptions?pin=" + t.pin
		}, account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/subscriptions/{subscriptionId}", path: func(hs *harness, t *tenant, _ actor) string {
			return "/v1/subscriptions/" + hs.marketOf(t).sub
		}, account: 200, user: 200, operator: 200},
		{method: "POST", pattern: "/v1/accounts/{pin}/recharge", path: func(_ *harness, t *tenant, _ actor) string {
			return "/v1/accounts/" + t.pin + "/recharge"
		}, body: func(*harness, *tenant, actor, bool) string { return `{"amount":100}` },
			account: 403, user: 403, userCode: forbid, operator: 201},
		{method: "GET", pattern: "/v1/accounts/{pin}/bills", path: func(hs *harness, t *tenant, _ actor) string {
			hs.marketOf(t)
			return "/v1/accounts/" + t.pin + "/bills"
		}, account: 200, user: 200, operator: 200},
		{method: "GET", pattern: "/v1/usage", path: func(hs *harness, t *tenant, _ actor) string {
			hs.marketOf(t)
			return "/v1/usage?pin=" + t.pin
		}, account: 200, user: 200, operator: 200},
	}
}

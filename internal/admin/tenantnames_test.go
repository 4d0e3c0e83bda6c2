package admin

import (
	"fmt"
	"strings"
	"testing"
)

// TestNamesUniquePerTenant is the attack of a tenant probing for the
// names and e-mail addresses other tenants use: creating a group, a user
// or an address another tenant has must succeed, not answer 409; within
// one tenant, names differing only in case or Unicode width are one name.
func TestNamesUniquePerTenant(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("a"), hs.tenant("b")

	// Through each tenant's own key, as a tenant would probe.
	hs.mustAs(a.key, "POST", "/v1/groups", `{"name":"shop"}`, 201)
	hs.mustAs(b.key, "POST", "/v1/groups", `{"name":"shop"}`, 201)
	hs.mustAs(b.key, "POST", "/v1/groups", `{"name":"a-shop"}`, 201) // a's fixture group's name
	for _, name := range []string{"Shop", "SHOP", "ｓｈｏｐ", "Ｓｈｏｐ"} {
		res := hs.as(a.key, "POST", "/v1/groups", fmt.Sprintf(`{"name":%q}`, name))
		if res.status != 409 {
			t.Errorf("a creates group %q beside its shop: got %d %s, want 409", name, res.status, res.raw)
		}
	}
	// The operator's own groups (no owner) are a name space of their own.
	hs.must("POST", "/v1/groups", `{"name":"shop"}`, 201)
	hs.must("POST", "/v1/groups", `{"name":"SHOP"}`, 409)
	hs.must("POST", "/v1/groups", `{"name":"Shop","owner":"a"}`, 409)

	// b's user and address, taken by a: b still gets them.
	hs.mustAs(b.key, "POST", "/v1/accounts/b/users", `{"name":"a-dev","email":"a-dev@example.com"}`, 201)
	hs.mustAs(b.key, "POST", "/v1/accounts/b/users", `{"name":"carol","email":"carol@example.com"}`, 201)
	hs.mustAs(a.key, "POST", "/v1/accounts/a/users", `{"name":"carol","email":"carol@example.com"}`, 201)
	for _, body := range []string{
		`{"name":"Carol"}`,
		`{"name":"CAROL"}`,
		`{"name":"dave","email":"Carol@Example.com"}`,
		`{"name":"dave","email":"ｃａｒｏｌ@example.com"}`,
	} {
		res := hs.as(a.key, "POST", "/v1/accounts/a/users", body)
		if res.status != 409 {
			t.Errorf("a creates user %s beside its carol: got %d %s, want 409", body, res.status, res.raw)
		}
		if strings.Contains(res.raw, `"b"`) {
			t.Errorf("a's refusal names b: %s", res.raw)
		}
	}
	// Logging in names the account, so two alices never meet.
	hs.mustAs(b.key, "PATCH", "/v1/accounts/b/users/carol", `{"password":"b's carol"}`, 200)
	hs.mustAs(a.key, "PATCH", "/v1/accounts/a/users/carol", `{"password":"a's carol"}`, 200)
	hs.must("POST", "/v1/login", `{"pin":"a","user":"carol","password":"a's carol"}`, 201)
	hs.must("POST", "/v1/login", `{"pin":"b","user":"carol","password":"b's carol"}`, 201)
	hs.must("POST", "/v1/login", `{"pin":"a","user":"carol","password":"b's carol"}`, 401)
}

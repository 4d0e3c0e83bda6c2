package admin

import (
	"fmt"
)

// tenant is an account with everything an account can have, made through
// the API with the admin token: a role that allows everything, a user
// with that role, keys of the account and of the user, a group it owns
// with an API, a revision deployed to test, a test backend, and an
// authorization of its own pin on its group.
type tenant struct {
	pin       string
	key       creds // the account's own key
	user      string
	userKey   creds // the user's key
	role      string
	otherKey  string // another key of the account, not the user's
	group     string
	api       string
	authz     string
	throwaway int
}

func (hs *harness) tenant(pin string) *tenant {
	hs.t.Helper()
	t := &tenant{pin: pin, user: pin + "-dev", role: "all"}
	a := "/v1/accounts/" + pin
	hs.must("POST", "/v1/accounts", fmt.Sprintf(`{"pin":%q,"name":"Account %s"}`, pin, pin), 201)
	hs.must("POST", a+"/roles", `{"name":"all","groups":["*"],"apis":["*"],"actions":["*"]}`, 201)
	hs.must("POST", a+"/users", fmt.Sprintf(`{"name":%q,"email":"%s@example.com","role":"all","password":"correct horse"}`, t.user, t.user), 201)
	t.key = keyOf(hs.t, hs.must("POST", a+"/keys", `{}`, 201))
	t.userKey = keyOf(hs.t, hs.must("POST", a+"/keys", fmt.Sprintf(`{"user":%q}`, t.user), 201))
	t.otherKey = hs.must("POST", a+"/keys", `{"kind":"appkey"}`, 201).str("accessKey")
	t.group = hs.must("POST", "/v1/groups", fmt.Sprintf(`{"name":"%s-shop","owner":%q}`, pin, pin), 201).str("groupId")
	g := "/v1/groups/" + t.group
	t.api = hs.must("POST", g+"/apis", `{"name":"hello","method":"GET","path":"/hello"}`, 201).str("apiId")
	hs.must("POST", g+"/revisions", `{"revision":"1.0.0"}`, 201)
	hs.must("PUT", g+"/backends/test", `{"type":"mock","body":"hi"}`, 200)
	hs.must("POST", g+"/deployments", `{"revision":"1.0.0","environment":"test"}`, 201)
	t.authz = hs.must("POST", g+"/authorizations", fmt.Sprintf(`{"environment":"test","pin":%q}`, pin), 201).str("authorizationId")
	return t
}

// next returns a name not used before in the tenant.
func (t *tenant) next(prefix string) string {
	t.throwaway++
	return fmt.Sprintf("%s%s%d", t.pin, prefix, t.throwaway)
}

// The throwaway makers below make, with the admin token, a resource for
// one call to change or delete, so that every call of the matrix meets a
// resource as the fixture made it.

func (hs *harness) newGroup(t *tenant) string {
	return hs.must("POST", "/v1/groups", fmt.Sprintf(`{"name":%q,"owner":%q}`, t.next("-g"), t.pin), 201).str("groupId")
}

func (hs *harness) newAPI(t *tenant) string {
	return hs.must("POST", "/v1/groups/"+t.group+"/apis", fmt.Sprintf(`{"name":%q,"method":"GET","path":"/%s"}`, t.next("a"), t.next("p")), 201).str("apiId")
}

func (hs *harness) newKey(t *tenant, user string) string {
	body := `{}`
	if user != "" {
		body = fmt.Sprintf(`{"user":%q}`, user)
	}
	return hs.must("POST", "/v1/accounts/"+t.pin+"/keys", body, 201).str("accessKey")
}

func (hs *harness) newUser(t *tenant) string {
	return hs.must("POST", "/v1/accounts/"+t.pin+"/users", fmt.Sprintf(`{"name":%q}`, t.next("-u")), 201).str("name")
}

func (hs *harness) newRole(t *tenant) string {
	return hs.must("POST", "/v1/accounts/"+t.pin+"/roles", fmt.Sprintf(`{"name":%q}`, t.next("r")), 201).str("name")
}

func (hs *harness) newAuthorization(t *tenant) string {
	ak := hs.newKey(t, "")
	return hs.must("POST", "/v1/groups/"+t.group+"/authorizations", fmt.Sprintf(`{"environment":"preview","accessKey":%q}`, ak), 201).str("authorizationId")
}

func (hs *harness) newBackend(t *tenant) string {
	hs.must("PUT", "/v1/groups/"+t.group+"/backends/preview", `{"type":"mock"}`, 200)
	return "preview"
}

func (hs *harness) newDeployment(t *tenant) string {
	hs.must("POST", "/v1/groups/"+t.group+"/deployments", `{"revision":"1.0.0","environment":"preview"}`, 201)
	return "preview"
}

// groupErrorBody is the body of a new code of a group's own.
func groupErrorBody(t *tenant) string {
	t.throwaway++
	return fmt.Sprintf(`{"code":"E%d","http":422,"message":{"en":"Model offline","zh":"模型离线"}}`, 70000+t.throwaway)
}

func (hs *harness) newGroupError(t *tenant) string {
	return hs.must("POST", "/v1/groups/"+t.group+"/errors", groupErrorBody(t), 201).str("code")
}

func (hs *harness) newBlacklistEntry(t *tenant) string {
	return hs.must("POST", "/v1/blacklist", fmt.Sprintf(`{"kind":"pin","value":%q}`, t.next("-bad")), 201).str("entryId")
}

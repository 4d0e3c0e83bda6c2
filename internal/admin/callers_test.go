package admin

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/store"
)

// TestCallerRefusals checks the refusals of the callers' operations with
// the admin token: code, status, and that nothing changed.
func TestCallerRefusals(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	b := hs.tenant("bravo")
	acct := "/v1/accounts/acme"
	g := "/v1/groups/" + a.group

	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		code         string
		inMessage    string
	}{
		{"account pin taken", "POST", "/v1/accounts", `{"pin":"acme"}`, 403, "APIGW_RECORD_CONFLICT", "pin"},
		{"account without pin", "POST", "/v1/accounts", `{"name":"x"}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "pin"},
		{"account pin invalid", "POST", "/v1/accounts", `{"pin":"a b"}`, 400, "APIGW_PARAM_VALUE_INVALID", "pin"},
		{"account status invalid", "PATCH", acct, `{"status":"gone"}`, 400, "APIGW_PARAM_VALUE_INVALID", "status"},
		{"account pin in patch", "PATCH", acct, `{"pin":"other"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "pin"},
		{"unknown account", "GET", "/v1/accounts/nobody", ``, 404, "APIGATEWAY_NOT_FOUND", "account nobody"},

		{"key of a session kind", "POST", acct + "/keys", `{"kind":"session"}`, 400, "APIGW_PARAM_VALUE_INVALID", "kind"},
		{"key of an unknown kind", "POST", acct + "/keys", `{"kind":"oauth"}`, 400, "APIGW_PARAM_VALUE_INVALID", "kind"},
		{"key for an unknown user", "POST", acct + "/keys", `{"user":"zed"}`, 404, "APIGW_RECORD_NOT_FOUND", "zed"},
		{"key for another account's user", "POST", acct + "/keys", `{"user":"bravo-dev"}`, 404, "APIGW_RECORD_NOT_FOUND", "bravo-dev"},
		{"key patch without enabled", "PATCH", acct + "/keys/" + a.key.ak, `{}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "enabled"},
		{"key patch of kind", "PATCH", acct + "/keys/" + a.key.ak, `{"kind":"appkey","enabled":true}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "kind"},
		{"key of another account by this one's path", "GET", acct + "/keys/" + b.key.ak, ``, 404, "APIGATEWAY_NOT_FOUND", "key " + b.key.ak},
		{"delete key of another account by this one's path", "DELETE", acct + "/keys/" + b.key.ak, ``, 404, "APIGATEWAY_NOT_FOUND", ""},
		{"rotate with a grace too long", "POST", acct + "/keys/" + a.key.ak + "/rotate", `{"graceSeconds":2592001}`, 400, "APIGW_PARAM_VALUE_INVALID", "graceSeconds"},
		{"rotate with a negative grace", "POST", acct + "/keys/" + a.key.ak + "/rotate", `{"graceSeconds":-1}`, 400, "APIGW_PARAM_VALUE_INVALID", "graceSeconds"},
		{"unknown key", "GET", acct + "/keys/TGNOSUCHKEY", ``, 404, "APIGATEWAY_NOT_FOUND", "key TGNOSUCHKEY"},

		{"user name taken in the account, other case", "POST", acct + "/users", `{"name":"ACME-DEV"}`, 409, "ALREADY_EXISTS", "name"},
		{"user e-mail taken", "POST", acct + "/users", `{"name":"new","email":"ACME-DEV@example.com"}`, 409, "ALREADY_EXISTS", "email"},
		{"user password short", "POST", acct + "/users", `{"name":"new","password":"short"}`, 400, "APIGW_PARAM_VALUE_INVALID", "password"},
		{"user name invalid", "POST", acct + "/users", `{"name":"a/b"}`, 400, "APIGW_PARAM_VALUE_INVALID", "name"},
		{"user rename", "PATCH", acct + "/users/acme-dev", `{"name":"x"}`, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "name"},
		{"user of another account by this one's path", "GET", acct + "/users/bravo-dev", ``, 404, "APIGATEWAY_NOT_FOUND", "user bravo-dev"},

		{"role name taken", "POST", acct + "/roles", `{"name":"all"}`, 403, "APIGW_RECORD_CONFLICT", "name"},
		{"role action unknown", "POST", acct + "/roles", `{"name":"x","actions":["keys.fly"]}`, 400, "APIGW_PARAM_VALUE_INVALID", "actions"},
		{"unknown role", "PUT", acct + "/roles/nosuch", `{}`, 404, "APIGATEWAY_NOT_FOUND", "role nosuch"},

		{"mfa without actions", "PUT", acct + "/mfa", `{}`, 400, "APIGATEWAY_ARGUMENT_NOT_FOUND", "actions"},
		{"mfa unknown action", "PUT", acct + "/mfa", `{"actions":["fly"]}`, 400, "APIGW_PARAM_VALUE_INVALID", "actions"},

		{"blacklist bad address", "POST", "/v1/blacklist", `{"kind":"ip","value":"10.0.0.256"}`, 400, "APIGW_PARAM_VALUE_INVALID", "value"},
		{"blacklist unknown kind", "POST", "/v1/blacklist", `{"kind":"asn","value":"1"}`, 400, "APIGW_PARAM_VALUE_INVALID", "kind"},
		{"blacklist of every IPv4 address", "POST", "/v1/blacklist", `{"kind":"ip","value":"0.0.0.0/0"}`, 400, "APIGW_PARAM_VALUE_INVALID", "every IPv4 address"},
		{"blacklist of every IPv4 address, host bits set", "POST", "/v1/blacklist", `{"kind":"ip","value":"203.0.113.7/0"}`, 400, "APIGW_PARAM_VALUE_INVALID", "every IPv4 address"},
		{"blacklist of every IPv6 address", "POST", "/v1/blacklist", `{"kind":"ip","value":"::/0"}`, 400, "APIGW_PARAM_VALUE_INVALID", "every IPv6 address"},
		{"blacklist of every mapped IPv4 address", "POST", "/v1/blacklist", `{"kind":"ip","value":"::ffff:0:0/96"}`, 400, "APIGW_PARAM_VALUE_INVALID", "every IPv4 address"},
		{"blacklist with the value twice", "POST", "/v1/blacklist", `{"kind":"ip","value":"192.0.2.9","value":"0.0.0.0/1"}`, 400, "APIGW_PARAM_VALUE_INVALID", "value"},
		{"group with the name twice, other case", "POST", "/v1/groups", `{"name":"s","Name":"t"}`, 400, "APIGW_PARAM_VALUE_INVALID", "Name"},
		{"backend with a header twice, other case", "PUT", g + "/backends/test", `{"type":"mock","headers":{"X-A":"1","x-a":"2"}}`, 400, "APIGW_PARAM_VALUE_INVALID", "headers.x-a"},
		{"unknown blacklist entry", "DELETE", "/v1/blacklist/bl-nothere", ``, 404, "APIGATEWAY_NOT_FOUND", "blacklist entry bl-nothere"},

		{"authorization again", "POST", g + "/authorizations", `{"environment":"test","pin":"acme"}`, 409, "APIGATEWAY_ACCESSKEYAUTH_ISREPEAT", ""},
		{"authorization of an unknown key", "POST", g + "/authorizations", `{"environment":"test","accessKey":"TGNOSUCHKEY"}`, 404, "APIGATEWAY_NONE_VALID_APPID", ""},
		{"authorization of an unknown pin", "POST", g + "/authorizations", `{"environment":"test","pin":"nobody"}`, 400, "APIGATEWAY_NONE_VALID_PIN", "pin"},
		{"authorization of key and pin", "POST", g + "/authorizations", `{"environment":"test","pin":"acme","accessKey":"` + a.key.ak + `"}`, 400, "APIGW_PARAM_VALUE_INVALID", "pin"},
		{"authorization of another group's API", "POST", g + "/authorizations", `{"environment":"online","pin":"bravo","apis":["` + b.api + `"]}`, 404, "APIGW_RECORD_NOT_FOUND", b.api},
		{"authorization in an unknown environment", "POST", g + "/authorizations", `{"environment":"prod","pin":"bravo"}`, 400, "APIGW_PARAM_VALUE_INVALID", "environment"},
		{"unknown authorization", "DELETE", g + "/authorizations/au-nothere", ``, 404, "APIGATEWAY_NOT_FOUND", "authorization au-nothere"},

		{"group scheme unknown", "POST", "/v1/groups", `{"name":"s","authType":"signature","schemes":["HMAC-MD5"]}`, 400, "APIGW_PARAM_VALUE_INVALID", "schemes"},
		{"group scheme of another type", "POST", "/v1/groups", `{"name":"s","authType":"appkey","schemes":["AWS4-HMAC-SHA256"]}`, 400, "APIGW_PARAM_VALUE_INVALID", "schemes"},
		{"group window too wide", "POST", "/v1/groups", `{"name":"s","replayWindowSeconds":3601}`, 400, "APIGW_PARAM_VALUE_INVALID", "replayWindowSeconds"},
		{"group unknown owner", "POST", "/v1/groups", `{"name":"s","owner":"nobody"}`, 400, "APIGATEWAY_NONE_VALID_PIN", "owner"},
		{"group auth type while online", "PATCH", "/v1/groups/" + hs.onlineGroup(a), `{"authType":"signature"}`, 400, "APIGATEWAY_MODIFY_ERROR", "authType"},
	}
	before := hs.state()
	changes := hs.changes.Load()
	for _, tt := range tests {
		res := hs.do(tt.method, tt.path, tt.body)
		if res.status != tt.status || res.errStatus() != tt.code || !strings.Contains(res.errMessage(), tt.inMessage) {
			t.Errorf("%s: %s %s: got %d %s, want %d %s mentioning %q", tt.name, tt.method, tt.path, res.status, res.raw, tt.status, tt.code, tt.inMessage)
		}
	}
	if hs.state() != before {
		t.Errorf("a refused call changed the store")
	}
	if hs.changes.Load() != changes {
		t.Errorf("a refused call asked for a reload")
	}
}

// onlineGroup returns a new group of t deployed online.
func (hs *harness) onlineGroup(t *tenant) string {
	id := hs.newGroup(t)
	g := "/v1/groups/" + id
	hs.must("POST", g+"/apis", `{"name":"a","method":"GET","path":"/a"}`, 201)
	hs.must("POST", g+"/revisions", `{"revision":"1.0.0"}`, 201)
	hs.must("POST", g+"/deployments", `{"revision":"1.0.0","environment":"online"}`, 201)
	return id
}

// TestGroupAuthSettings: a group's auth settings through the API.
func TestGroupAuthSettings(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	res := hs.must("POST", "/v1/groups", `{"name":"signed","authType":"signature","schemes":["AWS4-HMAC-SHA256","TC3-HMAC-SHA256"],
		"replayWindowSeconds":60,"signRegion":"cn-north-1","signService":"shop","allowedPins":["acme"]}`, 201)
	if res.str("authType") != "signature" || res.body["replayWindowSeconds"] != 60.0 || res.str("signRegion") != "cn-north-1" ||
		len(res.body["schemes"].([]any)) != 2 || len(res.body["allowedPins"].([]any)) != 1 || res.str("owner") != "" {
		t.Errorf("POST group with auth settings: got %s", res.raw)
	}
	id := res.str("groupId")
	// A new auth type drops the old type's schemes.
	res = hs.must("PATCH", "/v1/groups/"+id, `{"authType":"appkey"}`, 200)
	if res.str("authType") != "appkey" || res.body["schemes"] != nil {
		t.Errorf("PATCH authType: got %s", res.raw)
	}
	res = hs.must("PATCH", "/v1/groups/"+id, `{"schemes":["APPKEY"],"allowedPins":[]}`, 200)
	if len(res.body["schemes"].([]any)) != 1 || res.body["allowedPins"] != nil {
		t.Errorf("PATCH schemes: got %s", res.raw)
	}
	if res := hs.must("GET", "/v1/groups/"+a.group, ``, 200); res.str("authType") != "none" || res.body["replayWindowSeconds"] != 300.0 || res.str("owner") != "acme" {
		t.Errorf("defaults: got %s", res.raw)
	}
	// An account's groups are its own; only the operator names an owner.
	hs.clock.Advance(time.Second)
	res = hs.mustAs(a.key, "POST", "/v1/groups", `{"name":"mine","authType":"signature"}`, 201)
	if res.str("owner") != "acme" {
		t.Errorf("a group an account makes: got %s", res.raw)
	}
	hs.clock.Advance(time.Second)
	if res := hs.as(a.key, "PATCH", "/v1/groups/"+res.str("groupId"), `{"owner":"acme"}`); res.status != 403 {
		t.Errorf("an account naming an owner: got %d %s", res.status, res.raw)
	}
	// Changed settings reach the data plane: LoadPublished carries them.
	hs.onlineGroup(a)
	pubs, err := hs.store.LoadPublished(t.Context())
	if err != nil || len(pubs) == 0 || pubs[len(pubs)-1].Group.Owner != "acme" || pubs[len(pubs)-1].Group.AuthType != "none" {
		t.Errorf("LoadPublished: got %+v, %v", pubs, err)
	}
}

// TestKeyLimit: an account holds at most store.DefaultMaxKeys keys.
func TestKeyLimit(t *testing.T) {
	hs := newHarness(t)
	hs.tenant("acme") // three keys
	for range store.DefaultMaxKeys - 3 {
		hs.must("POST", "/v1/accounts/acme/keys", ``, 201)
	}
	res := hs.do("POST", "/v1/accounts/acme/keys", `{}`)
	if res.status != 429 || res.errStatus() != "QUOTA_EXCEEDED" {
		t.Errorf("the key past the limit: got %d %s", res.status, res.raw)
	}
}

// TestSecretsShownOnce: a secret appears in the answer that creates or
// rotates its key and nowhere else: not in GET answers, lists, errors or
// logs.
func TestSecretsShownOnce(t *testing.T) {
	hs := newHarness(t)
	var logs bytes.Buffer
	hs.srv.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := hs.tenant("acme")
	rotated := hs.must("POST", "/v1/accounts/acme/keys/"+a.key.ak+"/rotate", `{"graceSeconds":600}`, 200)
	secrets := []string{string(a.key.sk), string(a.userKey.sk), rotated.str("secretKey"), "correct horse"}

	var answers []string
	for _, p := range []string{
		"/v1/accounts/acme", "/v1/accounts", "/v1/accounts/acme/keys", "/v1/accounts/acme/keys/" + a.key.ak,
		"/v1/accounts/acme/keys/" + a.userKey.ak, "/v1/accounts/acme/users", "/v1/accounts/acme/users/acme-dev",
	} {
		answers = append(answers, hs.must("GET", p, ``, 200).raw)
	}
	hs.clock.Advance(time.Second)
	answers = append(answers, hs.as(creds{ak: a.key.ak, sk: []byte("wrong")}, "GET", "/v1/groups", "").raw)
	answers = append(answers, login(hs, "acme", "acme-dev", "correct horsE").raw)
	answers = append(answers, logs.String())
	for _, ans := range answers {
		for i, s := range secrets {
			if strings.Contains(ans, s) {
				t.Errorf("secret %d appears in %.200s", i, ans)
			}
		}
		if strings.Contains(ans, "pbkdf2") || strings.Contains(ans, "secretKey") {
			t.Errorf("a hash or a secret field appears in %.200s", ans)
		}
	}
}

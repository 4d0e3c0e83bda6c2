package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// The signed fixture: one group per dialect, each behind an echo backend,
// and callers in every state the identity and authorize stages refuse.
//
//	host                 dialect  auth                   schemes
//	g-jd.localhost       jdcloud  signature              all but APPKEY
//	g-mk.localhost       market   appkey                 APPKEY
//	g-zn.localhost       zenith   signature              ZENITH
//	g-tc.localhost       tencent  signature              TC3, TENCENT-V1
//	g-pin.localhost      jdcloud  signature, pinned      AWS4 (region cn-north-1, service svc), allowed pins: acme
//	g-open.localhost     jdcloud  none
const (
	hostJD     = "g-jd.localhost"
	hostMarket = "g-mk.localhost"
	hostZenith = "g-zn.localhost"
	hostTC     = "g-tc.localhost"
	hostPinned = "g-pin.localhost"
	hostOpen   = "g-open.localhost"
)

// Secrets of the fixture's keys: each key's secret is "secret-" + its
// access key, but for AK, which was rotated from oldSecret.
const (
	secretAK  = "secret-AK"
	oldSecret = "old-secret-AK"
)

func secretOf(ak string) string {
	if ak == "AK" {
		return secretAK
	}
	return "secret-" + ak
}

// graceEnds is when AK's previous secret stops working: an hour after the
// harness clock starts.
var graceEnds = time.Unix(1_700_000_000, 0).Add(time.Hour)

func fixtureGroups(backend string) []model.Published {
	apis := []model.API{
		api("getUser", "GET", "/users/{id}", model.MatchAbsolute, ""),
		api("echo", "ANY", "/echo", model.MatchAbsolute, ""),
		api("other", "GET", "/other", model.MatchAbsolute, ""),
	}
	g := func(id string, d errcode.Dialect, authType string, schemes ...string) model.Group {
		x := group(id, d, errcode.English)
		x.AuthType, x.Schemes = authType, schemes
		return x
	}
	pinned := g("g-pin", errcode.DialectJDCloud, model.AuthSignature, model.SchemeAWS4)
	pinned.SignRegion, pinned.SignService, pinned.AllowedPins = "cn-north-1", "svc", []string{"acme"}
	var pubs []model.Published
	for _, x := range []model.Group{
		g("g-jd", errcode.DialectJDCloud, model.AuthSignature),
		g("g-mk", errcode.DialectMarket, model.AuthAppKey),
		g("g-zn", errcode.DialectZenith, model.AuthSignature, model.SchemeZenith),
		g("g-tc", errcode.DialectTencent, model.AuthSignature, model.SchemeTC3, model.SchemeTencentV1),
		pinned,
		g("g-open", errcode.DialectJDCloud, model.AuthNone),
	} {
		pubs = append(pubs, published(x, model.EnvOnline, httpBackend(2000, backend), apis...))
	}
	return pubs
}

func fixtureCallers() model.Callers {
	key := func(ak, pin, user, kind string, enabled bool) model.Key {
		return model.Key{AccessKey: ak, Pin: pin, User: user, Kind: kind, Enabled: enabled, Secret: []byte(secretOf(ak))}
	}
	ak := key("AK", "acme", "", model.KeySignature, true)
	ak.PreviousSecret, ak.PreviousExpires = []byte(oldSecret), graceEnds
	session := key("AKSES", "acme", "dev", model.KeySession, true)
	session.Expires = graceEnds
	all := func(pin string) []model.Authorization {
		var out []model.Authorization
		for _, gid := range []string{"g-jd", "g-mk", "g-zn", "g-tc", "g-pin"} {
			out = append(out, model.Authorization{ID: pin + gid, GroupID: gid, Environment: model.EnvOnline, Pin: pin})
		}
		return out
	}
	var authz []model.Authorization
	for _, pin := range []string{"acme", "off", "new", "ext"} { // not blk: blacklisted, and not authorized either
		authz = append(authz, all(pin)...)
	}
	authz = append(authz, model.Authorization{ID: "lim", GroupID: "g-jd", Environment: model.EnvOnline,
		AccessKey: "AKLIM", APIs: []string{"getUser"}})
	return model.Callers{
		Accounts: []model.Account{
			{Pin: "acme", Status: model.AccountActive},
			{Pin: "off", Status: model.AccountDisabled},
			{Pin: "new", Status: model.AccountUnactivated},
			{Pin: "blk", Status: model.AccountActive},
			{Pin: "ext", Status: model.AccountActive}, // authorized, but not among g-pin's allowed pins
			{Pin: "stranger", Status: model.AccountActive},
			{Pin: "lim", Status: model.AccountActive},
		},
		Users: []model.User{
			{Pin: "acme", Name: "dev", Role: "caller", Status: model.UserActive},
			{Pin: "acme", Name: "banned", Role: "caller", Status: model.UserDisabled},
			{Pin: "acme", Name: "lost", Role: "ghost", Status: model.UserActive},
		},
		Roles: []model.Role{{Pin: "acme", Name: "caller", Groups: []string{"g-jd"}, APIs: []string{"getUser", "echo"}}},
		Keys: []model.Key{
			ak,
			key("APP", "acme", "", model.KeyAppKey, true),
			key("AKOFF", "acme", "", model.KeySignature, false),
			key("AKDIS", "off", "", model.KeySignature, true),
			key("AKNEW", "new", "", model.KeySignature, true),
			key("AKBLK", "blk", "", model.KeySignature, true),
			key("AKEXT", "ext", "", model.KeySignature, true),
			key("AKSTR", "stranger", "", model.KeySignature, true),
			key("AKLIM", "lim", "", model.KeySignature, true),
			key("AKDEV", "acme", "dev", model.KeySignature, true),
			key("AKBAN", "acme", "banned", model.KeySignature, true),
			key("AKLOST", "acme", "lost", model.KeySignature, true),
			key("AKGONE", "acme", "nobody", model.KeySignature, true),
			session,
		},
		Authorizations: authz,
		Blacklist: []model.BlacklistEntry{
			{Kind: model.BlacklistPin, Value: "blk"},
			{Kind: model.BlacklistIP, Value: "192.0.2.0/24"},
		},
	}
}

// newSignedHarness is the fixture behind a gateway configured with cfg.
func newSignedHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	backend := proxytest.Echo(t, "echo")
	return newCallersHarness(t, cfg, fixtureCallers(), fixtureGroups(backend.URL)...)
}

// signing is how a test request is signed.
type signing struct {
	scheme string
	ak     string
	secret string        // "" is secretOf(ak)
	at     time.Duration // signing time relative to the harness clock
	nonce  string
	region string // "" is cn-north-1
	// expires is a Zenith signature's life from its signing time; zero is
	// a minute (the signer's own default of 15 minutes is longer than
	// the fixture's 5-minute window allows).
	expires time.Duration
}

// signed builds a request for host and path and signs it.
func (h *harness) signed(method, host, path, body string, s signing) *http.Request {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := h.request(method, host, path, rd)
	if body != "" && strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	h.sign(req, []byte(body), s)
	return req
}

// sign signs req, whose body is body, as s says.
func (h *harness) sign(req *http.Request, body []byte, s signing) {
	h.t.Helper()
	sc, ok := auth.ByName(s.scheme)
	if !ok {
		h.t.Fatalf("no scheme %s", s.scheme)
	}
	secret := s.secret
	if secret == "" {
		secret = secretOf(s.ak)
	}
	region := s.region
	if region == "" {
		region = "cn-north-1"
	}
	life := s.expires
	if life == 0 {
		life = time.Minute
	}
	at := h.clock.Now().Add(s.at)
	err := sc.(auth.Signer).Sign(req, body, auth.Signing{
		AccessKey: s.ak, Secret: []byte(secret), Time: at, Expires: at.Add(life),
		Nonce: s.nonce, Region: region, Service: "svc",
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// code returns the error code of an envelope of any dialect: the jdcloud
// error.status, the market code, the Zenith error_code or the Tencent
// code; "" for a body that is none of them.
func (r response) code() string {
	var m map[string]any
	if json.Unmarshal(r.body, &m) != nil {
		return ""
	}
	if e, ok := m["error"].(map[string]any); ok {
		s, _ := e["status"].(string)
		return s
	}
	for _, k := range []string{"code", "error_code"} {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprint(v)
		}
	}
	return ""
}

// echoed decodes what the echo backend saw, from inside the success
// envelope of the market dialect if the answer is wrapped in one.
func (r response) echoed(t testing.TB) proxytest.Echoed {
	t.Helper()
	var e proxytest.Echoed
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, r.body)
	}
	body := r.body
	var wrapped struct {
		Code   string          `json:"code"`
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(body, &wrapped) == nil && wrapped.Code == "10000" {
		body = wrapped.Result
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("backend answer %q: %v", r.body, err)
	}
	return e
}

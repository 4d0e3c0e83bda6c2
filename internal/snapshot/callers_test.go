package snapshot

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

var t0 = time.Unix(1_700_000_000, 0)

func testCallers() model.Callers {
	return model.Callers{
		Accounts: []model.Account{
			{Pin: "acme", Status: model.AccountActive},
			{Pin: "off", Status: model.AccountDisabled},
		},
		Users: []model.User{
			{Pin: "acme", Name: "dev", Role: "caller", Status: model.UserActive},
			{Pin: "acme", Name: "norole", Role: "ghost", Status: model.UserDisabled},
			{Pin: "off", Name: "elsewhere", Role: "caller", Status: model.UserActive},
		},
		Roles: []model.Role{
			{Pin: "acme", Name: "caller", Groups: []string{"g-abc123"}, APIs: []string{"getUser"}},
		},
		Keys: []model.Key{
			{AccessKey: "AK1", Pin: "acme", Kind: model.KeySignature, Enabled: true, Secret: []byte("new"),
				PreviousSecret: []byte("old"), PreviousExpires: t0.Add(time.Hour)},
			{AccessKey: "AK2", Pin: "acme", User: "dev", Kind: model.KeySignature, Enabled: true, Secret: []byte("s2")},
			{AccessKey: "AK3", Pin: "acme", User: "norole", Kind: model.KeySignature, Secret: []byte("s3")},
			{AccessKey: "AK4", Pin: "acme", User: "elsewhere", Kind: model.KeySignature, Secret: []byte("s4")},
			{AccessKey: "APP1", Pin: "off", Kind: model.KeyAppKey, Enabled: true, Secret: []byte("app")},
			{AccessKey: "ORPHAN", Pin: "gone", Kind: model.KeySignature, Secret: []byte("x")},
		},
		Authorizations: []model.Authorization{
			{ID: "a1", GroupID: "g-abc123", Environment: model.EnvOnline, AccessKey: "AK1"},
			{ID: "a2", GroupID: "g-abc123", Environment: model.EnvOnline, Pin: "off", APIs: []string{"echo"}},
			{ID: "a3", GroupID: "G-ABC123", Environment: model.EnvOnline, AccessKey: "AK2", APIs: []string{"files"}},
			{ID: "a4", GroupID: "g-abc123", Environment: model.EnvOnline, AccessKey: "AK2", APIs: []string{"echo"}},
			{ID: "a5", GroupID: "nowhere", Environment: model.EnvOnline, AccessKey: "AK1"},
		},
		Blacklist: []model.BlacklistEntry{
			{Kind: model.BlacklistPin, Value: "bad"},
			{Kind: model.BlacklistIP, Value: "192.0.2.7"},
			{Kind: model.BlacklistIP, Value: "198.51.100.0/24"},
			{Kind: model.BlacklistIP, Value: "2001:db8::/32"},
			{Kind: model.BlacklistIP, Value: "::ffff:203.0.113.0/120"},
		},
	}
}

func compileCallersSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	s, err := Options{}.Compile(nil, testPubs(), testCallers())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCallers(t *testing.T) {
	s := compileCallersSnapshot(t)
	tests := []struct {
		ak        string
		found     bool
		pin, user string
		enabled   bool
		account   model.AccountStatus
		userFound bool
		role      string // "" when no role is resolved
	}{
		{"AK1", true, "acme", "", true, model.AccountActive, false, ""},
		{"AK2", true, "acme", "dev", true, model.AccountActive, true, "caller"},
		{"AK3", true, "acme", "norole", false, model.AccountActive, true, ""},
		{"AK4", true, "acme", "elsewhere", false, model.AccountActive, false, ""}, // a user of another account
		{"APP1", true, "off", "", true, model.AccountDisabled, false, ""},
		{"ORPHAN", false, "", "", false, "", false, ""},
		{"nobody", false, "", "", false, "", false, ""},
	}
	for _, tt := range tests {
		c, ok := s.Caller(tt.ak)
		if ok != tt.found {
			t.Errorf("Caller(%s) found = %v, want %v", tt.ak, ok, tt.found)
			continue
		}
		if !ok {
			continue
		}
		role := ""
		if c.Role != nil {
			role = c.Role.Name
		}
		if c.Pin != tt.pin || c.User != tt.user || c.Enabled != tt.enabled || c.Account != tt.account ||
			c.UserFound != tt.userFound || role != tt.role {
			t.Errorf("Caller(%s) = %+v (role %q)", tt.ak, c, role)
		}
		if got := c.PinHeader[0] + "/" + c.KeyHeader[0]; got != tt.pin+"/"+tt.ak {
			t.Errorf("Caller(%s) headers %q", tt.ak, got)
		}
		if (c.UserHeader != nil) != (tt.user != "") {
			t.Errorf("Caller(%s) user header %q", tt.ak, c.UserHeader)
		}
	}
	if c, _ := s.Caller("AK3"); c.RoleName != "ghost" {
		t.Errorf("AK3 role name %q, want ghost", c.RoleName)
	}
}

func TestKeysRotationAndKinds(t *testing.T) {
	s := compileCallersSnapshot(t)
	secrets := func(appKey bool, now time.Time, ak string) []string {
		k := s.Keys(appKey, now)
		key, ok := k.Key(ak)
		if !ok {
			return nil
		}
		if key.AccessKey != ak {
			t.Errorf("Key(%s).AccessKey = %q", ak, key.AccessKey)
		}
		var out []string
		for _, b := range key.Secrets {
			out = append(out, string(b))
		}
		return out
	}
	tests := []struct {
		name   string
		appKey bool
		now    time.Time
		ak     string
		want   []string
	}{
		{"in grace", false, t0, "AK1", []string{"new", "old"}},
		{"grace ends", false, t0.Add(time.Hour), "AK1", []string{"new"}},
		{"no previous", false, t0, "AK2", []string{"s2"}},
		{"app key among access keys", false, t0, "APP1", nil},
		{"app key", true, t0, "APP1", []string{"app"}},
		{"access key among app keys", true, t0, "AK1", nil},
	}
	for _, tt := range tests {
		if got := secrets(tt.appKey, tt.now, tt.ak); !slices.Equal(got, tt.want) {
			t.Errorf("%s: secrets %q, want %q", tt.name, got, tt.want)
		}
	}
	k := s.Keys(false, t0)
	if n := testing.AllocsPerRun(100, func() { k.Key("AK1") }); n != 0 {
		t.Errorf("Keys.Key allocates %v times", n)
	}
}

func TestCallerExpired(t *testing.T) {
	cs := testCallers()
	cs.Keys[1].Kind, cs.Keys[1].Expires = model.KeySession, t0.Add(time.Minute)
	s, err := Options{}.Compile(nil, testPubs(), cs)
	if err != nil {
		t.Fatal(err)
	}
	session, _ := s.Caller("AK2")
	plain, _ := s.Caller("AK1")
	if session.Expired(t0) || !session.Expired(t0.Add(time.Minute)) || plain.Expired(t0.Add(1e6*time.Hour)) {
		t.Error("Expired wrong")
	}
}

func TestAllowsRole(t *testing.T) {
	s := compileCallersSnapshot(t)
	tests := []struct {
		ak, group, api string
		want           bool
	}{
		{"AK1", "any", "any", true}, // the account itself
		{"AK2", "g-abc123", "getUser", true},
		{"AK2", "g-abc123", "echo", false},
		{"AK2", "g-other", "getUser", false},
		{"AK3", "g-abc123", "getUser", false}, // its role does not exist
		{"AK4", "g-abc123", "getUser", false}, // no user of this account
	}
	for _, tt := range tests {
		c, _ := s.Caller(tt.ak)
		if got := c.AllowsRole(tt.group, tt.api); got != tt.want {
			t.Errorf("%s AllowsRole(%s, %s) = %v, want %v", tt.ak, tt.group, tt.api, got, tt.want)
		}
	}
}

func TestAuthorizations(t *testing.T) {
	s := compileCallersSnapshot(t)
	e, _ := s.Env("g-abc123", model.EnvOnline)
	tests := []struct {
		ak, pin, api        string
		granted, apiAllowed bool
	}{
		{"AK1", "acme", "getUser", true, true},
		{"APP1", "off", "echo", true, true},     // by pin, restricted
		{"APP1", "off", "getUser", true, false}, // by pin, another API
		{"AK2", "acme", "files", true, true},    // two authorizations of one key add up
		{"AK2", "acme", "echo", true, true},
		{"AK2", "acme", "getUser", true, false},
		{"AK9", "off", "echo", true, true}, // any key of the pin
		{"AK9", "nobody", "echo", false, false},
	}
	for _, tt := range tests {
		_, g, a := e.Auth.Authorized(tt.ak, tt.pin, tt.api)
		if g != tt.granted || a != tt.apiAllowed {
			t.Errorf("Authorized(%s, %s, %s) = %v, %v; want %v, %v", tt.ak, tt.pin, tt.api, g, a, tt.granted, tt.apiAllowed)
		}
	}
	if te, _ := s.Env("g-abc123", model.EnvTest); func() bool { _, g, _ := te.Auth.Authorized("AK1", "acme", "getUser"); return g }() {
		t.Error("an online authorization let a key into the test environment")
	}
}

func TestBlacklist(t *testing.T) {
	s := compileCallersSnapshot(t)
	if !s.PinBlacklisted("bad") || s.PinBlacklisted("acme") {
		t.Error("pin blacklist wrong")
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"192.0.2.7", true},
		{"192.0.2.8", false},
		{"::ffff:192.0.2.7", true},
		{"198.51.100.200", true},
		{"198.51.101.1", false},
		{"2001:db8:1::5", true},
		{"2001:db9::1", false},
		{"203.0.113.9", true}, // listed as a mapped range
		{"fe80::1%eth0", false},
	}
	for _, tt := range tests {
		if got := s.IPBlacklisted(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("IPBlacklisted(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	a := netip.MustParseAddr("198.51.100.1")
	if n := testing.AllocsPerRun(100, func() { s.IPBlacklisted(a) }); n != 0 {
		t.Errorf("IPBlacklisted allocates %v times", n)
	}
}

func TestCompileAuth(t *testing.T) {
	names := func(a Auth) []string {
		var out []string
		for _, s := range a.Schemes {
			out = append(out, s.Name())
		}
		return out
	}
	tests := []struct {
		name    string
		group   model.Group
		schemes []string
		first   string
		window  time.Duration
	}{
		{"unset is none", model.Group{}, nil, "", 300 * time.Second},
		{"signature, every scheme", model.Group{AuthType: model.AuthSignature, ReplayWindowSeconds: 60},
			[]string{model.SchemeJDCloud2, model.SchemeJDCloud3, model.SchemeAWS4, model.SchemeTC3, model.SchemeZenith, model.SchemeTencentV1},
			model.SchemeJDCloud2, time.Minute},
		{"tencent v1 goes last, stays first to report", model.Group{AuthType: model.AuthSignature,
			Schemes: []string{model.SchemeTencentV1, model.SchemeAWS4}},
			[]string{model.SchemeAWS4, model.SchemeTencentV1}, model.SchemeTencentV1, 300 * time.Second},
		{"app key", model.Group{AuthType: model.AuthAppKey}, []string{model.SchemeAppKey}, model.SchemeAppKey, 300 * time.Second},
	}
	for _, tt := range tests {
		a, err := compileAuth(&tt.group)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		first := ""
		if a.First != nil {
			first = a.First.Name()
		}
		if !slices.Equal(names(a), tt.schemes) || first != tt.first || a.Window != tt.window {
			t.Errorf("%s: schemes %v first %q window %v; want %v %q %v", tt.name, names(a), first, a.Window, tt.schemes, tt.first, tt.window)
		}
	}
	for _, g := range []model.Group{
		{AuthType: "oauth"},
		{AuthType: model.AuthSignature, Schemes: []string{model.SchemeAppKey}},
		{AuthType: model.AuthAppKey, Schemes: []string{"NOPE"}},
	} {
		if _, err := compileAuth(&g); !errcode.Has(err, errcode.ParamValueInvalid) {
			t.Errorf("compileAuth(%+v) = %v, want ParamValueInvalid", g, err)
		}
	}
	a, _ := compileAuth(&model.Group{AuthType: model.AuthSignature, AllowedPins: []string{"acme"}})
	if !a.PinAllowed("acme") || a.PinAllowed("other") {
		t.Error("AllowedPins not enforced")
	}
	if a, _ := compileAuth(&model.Group{}); !a.PinAllowed("anyone") || !a.None() {
		t.Error("a group without AllowedPins refused a pin")
	}
}

func TestCompileCallersErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*model.Callers)
	}{
		{"key twice", func(c *model.Callers) { c.Keys = append(c.Keys, c.Keys[0]) }},
		{"app key and access key alike", func(c *model.Callers) {
			k := c.Keys[0]
			k.Kind = model.KeyAppKey
			c.Keys = append(c.Keys, k)
		}},
		{"key without a secret", func(c *model.Callers) { c.Keys[0].Secret = nil }},
		{"bad address", func(c *model.Callers) {
			c.Blacklist = append(c.Blacklist, model.BlacklistEntry{Kind: model.BlacklistIP, Value: "10.0.0.300"})
		}},
		{"bad range", func(c *model.Callers) {
			c.Blacklist = append(c.Blacklist, model.BlacklistEntry{Kind: model.BlacklistIP, Value: "10.0.0.0/33"})
		}},
		{"bad kind", func(c *model.Callers) {
			c.Blacklist = append(c.Blacklist, model.BlacklistEntry{Kind: "asn", Value: "1"})
		}},
		{"authorization of nobody", func(c *model.Callers) {
			c.Authorizations = append(c.Authorizations, model.Authorization{GroupID: "g-abc123", Environment: model.EnvOnline})
		}},
		{"authorization of a key and a pin", func(c *model.Callers) {
			c.Authorizations = append(c.Authorizations, model.Authorization{GroupID: "g-abc123", Environment: model.EnvOnline, AccessKey: "AK1", Pin: "acme"})
		}},
	}
	for _, tt := range tests {
		cs := testCallers()
		tt.modify(&cs)
		s, err := Options{}.Compile(nil, testPubs(), cs)
		if s != nil || !errcode.Has(err, errcode.ParamValueInvalid) {
			t.Errorf("%s: got %v, %v; want ParamValueInvalid", tt.name, s, err)
		}
	}
}

func TestCompileKeepsNoReferenceToSecrets(t *testing.T) {
	cs := testCallers()
	s, err := Options{}.Compile(nil, testPubs(), cs)
	if err != nil {
		t.Fatal(err)
	}
	// The store may clear its copy of a secret after a reload; the
	// snapshot must hold its own.
	clear(cs.Keys[0].Secret)
	k := s.Keys(false, t0)
	if key, _ := k.Key("AK1"); string(key.Secrets[0]) != "new" {
		t.Errorf("secret changed with the input: %q", key.Secrets[0])
	}
}

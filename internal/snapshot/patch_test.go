package snapshot

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// TestPatchLeavesPreviousUnchanged checks that a patch builds a new
// snapshot and leaves the one it started from serving what it served, as
// requests still holding it expect; and that what the patch does not
// name is shared, not compiled again.
func TestPatchLeavesPreviousUnchanged(t *testing.T) {
	prev, err := Options{}.Compile(nil, testPubs(), testCallers())
	if err != nil {
		t.Fatal(err)
	}
	untouched, _ := prev.Env("g-test", model.EnvOnline)
	// g-abc123 loses its test environment; acme's AK2 is deleted and a
	// new key AK9 appears; the blacklist empties.
	next, err := Options{}.Patch(prev, &Delta{
		Groups: []string{"g-abc123"},
		Published: []model.Published{pub("g-abc123", model.EnvOnline, httpBackend("http://127.0.0.1:1"),
			api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}"))},
		Pins: []string{"acme"},
		Callers: model.Callers{
			Accounts: []model.Account{{Pin: "acme", Status: model.AccountActive}},
			Keys: []model.Key{
				{AccessKey: "AK1", Pin: "acme", Kind: model.KeySignature, Enabled: true, Secret: []byte("new")},
				{AccessKey: "AK9", Pin: "acme", Kind: model.KeySignature, Enabled: true, Secret: []byte("nine")},
			},
		},
		Blacklist: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want bool
	}{
		{"prev serves g-abc123 test", has(prev.Env("g-abc123", model.EnvTest)), true},
		{"next serves g-abc123 test", has(next.Env("g-abc123", model.EnvTest)), false},
		{"next serves g-abc123 online", has(next.Env("g-abc123", model.EnvOnline)), true},
		{"prev knows AK2", has(prev.Caller("AK2")), true},
		{"next knows AK2", has(next.Caller("AK2")), false},
		{"prev knows AK9", has(prev.Caller("AK9")), false},
		{"next knows AK9", has(next.Caller("AK9")), true},
		{"next knows APP1 (account off, untouched)", has(next.Caller("APP1")), true},
		{"prev blacklists bad", prev.PinBlacklisted("bad"), true},
		{"next blacklists bad", next.PinBlacklisted("bad"), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	if e, _ := next.Env("g-test", model.EnvOnline); e != untouched {
		t.Errorf("g-test, which the patch does not name, was compiled again; want the previous snapshot's environment shared")
	}
	if a, _ := prev.Env("g-abc123", model.EnvOnline); a != nil {
		if _, ok := a.Auth.keys["AK1"]; !ok {
			t.Errorf("the previous snapshot's authorizations changed under it")
		}
	}
}

func has[T any](_ T, ok bool) bool { return ok }

package model

import (
	"bytes"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestActionMatches(t *testing.T) {
	tests := []struct {
		patterns []string
		action   string
		want     bool
	}{
		{[]string{"*"}, "keys.create", true},
		{[]string{"keys.*"}, "keys.create", true},
		{[]string{"keys.*"}, "keysx.create", false},
		{[]string{"keys.create"}, "keys.create", true},
		{[]string{"keys.create"}, "keys.delete", false},
		{nil, "keys.create", false},
		{[]string{"groups.read", "apis.*"}, "apis.delete", true},
	}
	for _, tt := range tests {
		if got := ActionMatches(tt.patterns, tt.action); got != tt.want {
			t.Errorf("ActionMatches(%v, %s): got %v, want %v", tt.patterns, tt.action, got, tt.want)
		}
	}
}

func TestValidateActions(t *testing.T) {
	for _, ok := range [][]string{nil, {"*"}, {"keys.*", "groups.read"}, Actions} {
		if err := ValidateActions("actions", ok); err != nil {
			t.Errorf("ValidateActions(%v): %v", ok, err)
		}
	}
	for _, bad := range [][]string{{"keys"}, {"keys.fly"}, {"fly.*"}, {"*.*"}, {"keys.*", "keys.*"}, {""}} {
		if err := ValidateActions("actions", bad); !errcode.Has(err, errcode.ParamValueInvalid) {
			t.Errorf("ValidateActions(%v): got %v, want ParamValueInvalid", bad, err)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	r := Role{Groups: []string{"g-a"}, APIs: []string{"*"}, Actions: []string{"groups.read"}}
	if !r.AllowsGroup("g-a") || r.AllowsGroup("g-b") || !r.AllowsAPI("api-x") || !r.AllowsAction("groups.read") || r.AllowsAction("groups.update") {
		t.Errorf("Role %+v allows the wrong things", r)
	}
}

func TestKeySecrets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k := Key{Secret: []byte("new"), PreviousSecret: []byte("old"), PreviousExpires: now.Add(time.Minute)}
	if got := k.Secrets(now); len(got) != 2 || !bytes.Equal(got[0], []byte("new")) || !bytes.Equal(got[1], []byte("old")) {
		t.Errorf("Secrets in the grace: got %q", got)
	}
	if got := k.Secrets(now.Add(time.Minute)); len(got) != 1 {
		t.Errorf("Secrets at the end of the grace: got %q", got)
	}
	s := Key{Expires: now}
	if s.Expired(now.Add(-time.Nanosecond)) || !s.Expired(now) || (&Key{}).Expired(now) {
		t.Errorf("Expired is wrong around %v", now)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Alice@Example.COM", "alice@example.com"},
		{"a.b+c@example.org", "a.b+c@example.org"},
	}
	for _, tt := range tests {
		if got, err := NormalizeEmail(tt.in); err != nil || got != tt.want {
			t.Errorf("NormalizeEmail(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"alice", "Alice <alice@example.com>", "alice@", "@example.com", "a b@example.com"} {
		if _, err := NormalizeEmail(bad); !errcode.Has(err, errcode.ParamValueInvalid) {
			t.Errorf("NormalizeEmail(%q): got %v, want ParamValueInvalid", bad, err)
		}
	}
}

func TestValidatePin(t *testing.T) {
	for _, ok := range []string{"a", "jd_user-1.x", "ABC123"} {
		if err := ValidatePin("pin", ok); err != nil {
			t.Errorf("ValidatePin(%q): %v", ok, err)
		}
	}
	long := string(bytes.Repeat([]byte("a"), MaxPinLen+1))
	for _, bad := range []string{"a b", "a/b", "用户", "a:b", long} {
		if err := ValidatePin("pin", bad); !errcode.Has(err, errcode.ParamValueInvalid) {
			t.Errorf("ValidatePin(%q): got %v, want ParamValueInvalid", bad, err)
		}
	}
	if err := ValidatePin("pin", ""); !errcode.Has(err, errcode.ArgumentNotFound) {
		t.Errorf("ValidatePin(\"\"): got %v", err)
	}
}

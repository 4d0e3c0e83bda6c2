package snapshot

import (
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
)

func TestPolicies(t *testing.T) {
	pol := model.Policy{ID: "pol-1", Name: "gold", Unit: model.UnitMinute, APILimit: 100, UserLimit: 20, KeyLimit: 5}
	o := Options{Policies: model.Policies{
		Policies: []model.Policy{pol},
		Bindings: []model.PolicyBinding{
			{PolicyID: "pol-1", GroupID: "g-abc123", Environment: model.EnvOnline},
			{PolicyID: "pol-1", GroupID: "g-gone", Environment: model.EnvOnline}, // skipped
		},
	}}
	s, err := o.Compile(nil, testPubs(), model.Callers{})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.Env("g-abc123", model.EnvOnline)
	want := Traffic{PolicyID: "pol-1", API: limit.Rate{Limit: 100, Per: time.Minute},
		User: limit.Rate{Limit: 20, Per: time.Minute}, Key: limit.Rate{Limit: 5, Per: time.Minute}}
	if e.Traffic == nil || *e.Traffic != want {
		t.Fatalf("Traffic: got %+v, want %+v", e.Traffic, want)
	}
	if e, _ := s.Env("g-abc123", model.EnvTest); e.Traffic != nil {
		t.Errorf("unbound environment has traffic %+v", e.Traffic)
	}
	m, ok := e.Match("GET", "/users/7", nil)
	if !ok {
		t.Fatal("no match")
	}
	l := m.Value.Limits
	if l.API != (limit.Key{Scope: "api", ID: "g-abc123/online/getUser"}) || l.UserScope != "user g-abc123/online/getUser" || l.KeyScope != "key g-abc123/online/getUser" {
		t.Errorf("Limits: got %+v", l)
	}

	o.Policies.Bindings = append(o.Policies.Bindings, model.PolicyBinding{PolicyID: "pol-x", GroupID: "g-abc123", Environment: model.EnvTest})
	if _, err := o.Compile(nil, testPubs(), model.Callers{}); !errcode.Has(err, errcode.ResourceNotFound) {
		t.Errorf("binding of an unknown policy: got %v", err)
	}
	bad := pol
	bad.UserLimit = 1000
	o.Policies = model.Policies{Policies: []model.Policy{bad}, Bindings: o.Policies.Bindings[:1]}
	if _, err := o.Compile(nil, testPubs(), model.Callers{}); !errcode.Has(err, errcode.ArgumentsInconsistent) {
		t.Errorf("a policy whose userLimit is above its apiLimit: got %v, want arguments_inconsistent", err)
	}
}
